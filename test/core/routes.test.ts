import { describe, expect, it } from 'vitest';
import { portsipUrlProblem } from '../../src/core/routes.js';

describe('portsipUrlProblem', () => {
  const url = 'https://pbx.example.com:8887/emc/Wavix - US/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90';

  it('accepts PortSIP’s URL as copied, spaces in the configuration name included', () => {
    expect(portsipUrlProblem(url)).toBeNull();
    expect(portsipUrlProblem(url.replaceAll(' ', '%20'))).toBeNull();
  });

  it('refuses a trailing space (typed or encoded), a # or fragment, a tab or line break, and non-http URLs, each with the reason', () => {
    expect(portsipUrlProblem(`${url} `)).toContain('ends with a space');
    expect(portsipUrlProblem(`${url}%20`)).toContain('ends with a space');
    expect(portsipUrlProblem(`${url} #sms-inbox`)).toContain('contains `#`');
    expect(portsipUrlProblem(`${url}#frag`)).toContain('fragment');
    expect(portsipUrlProblem(url.replace(' - ', '\t-\t'))).toContain('tab or a line break');
    expect(portsipUrlProblem('ftp://pbx.example.com/x')).toContain('not an http(s) URL');
  });
});
