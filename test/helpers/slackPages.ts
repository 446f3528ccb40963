import { expect } from 'vitest';
import { blockLimitError } from '../../src/sandbox/fakeSlackApi.js';
import { readable, runCommand, type SmsopsUnderTest } from './smsopsUnderTest.js';

/** What real Slack refuses (slack-bolt.md §4b): over 50 blocks, a section over 3,000 characters, a text over 40,000. */
// biome-ignore lint/suspicious/noExplicitAny: Slack message bodies are asserted structurally
export function expectWithinSlackLimits(body: any): void {
  expect(body.blocks.length).toBeLessThanOrEqual(50);
  expect(blockLimitError(body.blocks)).toBeUndefined();
  expect(String(body.text).length).toBeLessThanOrEqual(40_000);
  for (const block of body.blocks) {
    if (block.type === 'section') expect(block.text.text.length).toBeLessThanOrEqual(3000);
  }
}

/** Runs a list command and then each "next page" command it names, until the last page; every answer checked. */
export async function everyPage(t: SmsopsUnderTest, first: string): Promise<string[]> {
  const pages: string[] = [];
  let command: string | undefined = first;
  while (command && pages.length < 40) {
    const { body } = await runCommand(t, command);
    expectWithinSlackLimits(body);
    const text = readable(body);
    pages.push(text);
    command = /`\/sms ([^`]+)` shows the next/.exec(text)?.[1];
  }
  return pages;
}
