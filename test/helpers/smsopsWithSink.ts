import { afterEach } from 'vitest';
import { type SmsopsUnderTest, startSmsopsUnderTest, stopCheckingSecrets } from './smsopsUnderTest.js';
import { startWebhookSink, type WebhookSink, webhookSinks } from './webhookSink.js';

type Env = Record<string, string | undefined>;

export interface SmsopsWithSink {
  t: SmsopsUnderTest;
  /** The local PortSIP: smsops' PORTSIP_WEBHOOK_URL points at it when the rig is given a `portsipPath`. */
  sink: WebhookSink;
}

export interface SmsopsWithSinkOptions {
  /** The path at the sink that PORTSIP_WEBHOOK_URL names (as PortSIP's "Copy Webhook" gives it); none: not set. */
  portsipPath?: string;
  /** Environment every start of this file shares; a start's own env is laid over it. */
  env?: Env;
  /** Whether the teardown checks that no secret reached Slack or a log line (the house rule). Default true. */
  checkSecrets?: boolean;
}

export interface StartOptions {
  /** Runs once the sink listens and before smsops starts: a PortSIP that is down or failing from the first attempt. */
  beforeSmsops?(sink: WebhookSink): void;
  /** Laid over the file's `portsipPath`. */
  portsipPath?: string;
  /** Passed on to startSmsopsUnderTest. */
  smsops?: Parameters<typeof startSmsopsUnderTest>[1];
}

/**
 * One in-process smsops per test, without a PortSIP sink. Call it at a test file's top level: it registers the
 * afterEach that stops smsops, checking that no secret reached Slack or a log line, so a test cannot forget it.
 */
export function useSmsops(): {
  start(env?: Env, options?: Parameters<typeof startSmsopsUnderTest>[1]): Promise<SmsopsUnderTest>;
} {
  let t: SmsopsUnderTest | undefined;
  afterEach(async () => {
    const running = t;
    t = undefined;
    if (running) await stopCheckingSecrets(running);
  });
  return {
    start: async (env = {}, options) => {
      if (t) throw new Error('useSmsops: one start per test');
      t = await startSmsopsUnderTest(env, options);
      return t;
    },
  };
}

/**
 * One in-process smsops and one PortSIP sink per test. Call it at a test file's top level: it registers the
 * afterEach that stops smsops (checking secrets, by default) and closes the sink, so a test cannot forget either.
 */
export function useSmsopsWithSink(defaults: SmsopsWithSinkOptions = {}): {
  start(env?: Env, options?: StartOptions): Promise<SmsopsWithSink>;
} {
  let sink: WebhookSink | undefined;
  let t: SmsopsUnderTest | undefined;
  afterEach(async () => {
    const [running, listening] = [t, sink];
    t = undefined;
    sink = undefined;
    try {
      if (running) await (defaults.checkSecrets === false ? running.stop() : stopCheckingSecrets(running));
    } finally {
      await listening?.close();
    }
  });
  return {
    start: async (env = {}, options = {}) => {
      if (sink || t) throw new Error('useSmsopsWithSink: one start per test');
      const started = await startWebhookSink();
      sink = started;
      options.beforeSmsops?.(started);
      const path = options.portsipPath ?? defaults.portsipPath;
      const running = await startSmsopsUnderTest(
        { ...(path !== undefined ? { PORTSIP_WEBHOOK_URL: `${started.url}${path}` } : {}), ...defaults.env, ...env },
        options.smsops,
      );
      t = running;
      return { t: running, sink: started };
    },
  };
}

/**
 * One in-process smsops per test and as many PortSIP sinks as the test starts (routes to several PBXs). Call it at a
 * test file's top level: its afterEach stops smsops, checking secrets, and closes every sink.
 */
export function useSmsopsWithSinks(): {
  /** A PortSIP sink, closed after the test. */
  sink(): Promise<WebhookSink>;
  start(env?: Env, options?: Parameters<typeof startSmsopsUnderTest>[1]): Promise<SmsopsUnderTest>;
} {
  const sinks = webhookSinks();
  let t: SmsopsUnderTest | undefined;
  afterEach(async () => {
    const running = t;
    t = undefined;
    try {
      if (running) await stopCheckingSecrets(running);
    } finally {
      await sinks.closeAll();
    }
  });
  return {
    sink: sinks.start,
    start: async (env = {}, options) => {
      t = await startSmsopsUnderTest(env, options);
      return t;
    },
  };
}
