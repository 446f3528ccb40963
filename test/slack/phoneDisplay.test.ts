import { describe, expect, it } from 'vitest';
import { portsipDestinations } from '../../src/core/doctor/portsipRoutes.js';
import type { RelayRoute } from '../../src/core/model/relayRoute.js';
import { routeRemovedMessage, routeSetMessage } from '../../src/slack/ui/routes.js';

const route = (number: string): RelayRoute => ({
  number,
  portsipUrl: 'https://pbx.example.com:8887/emc/Wavix/0d3c9a44-1111-2222-3333-444455556666',
  slackChannel: 'C0123456789',
  createdBy: 'U0123456789',
  createdAt: 0,
  updatedBy: 'U0123456789',
  updatedAt: 0,
});

describe('phone numbers shown to people', () => {
  it('doctor names a route by the number as formatted everywhere else', () => {
    const names = [...portsipDestinations([route('+12025550143'), route('default')], null).values()].flat();
    expect(names).toEqual(['route +1 202 555 0143', 'route default']);
  });

  it('route answers format the number in their fallback text too', () => {
    const change = { value: route('+12025550143'), moved: 0, unrouted: 0 };
    expect(routeSetMessage(change).text).toBe('Route saved: +1 202 555 0143.');
    expect(routeRemovedMessage(change).text).toBe('Route removed: +1 202 555 0143.');
  });

  it('a route for a +1 number taken by its shape only says so: a typo into an unused area code is no longer refused', () => {
    // +1 555 555 0143 was refused ("no country uses a number of that shape") before new area codes were taken by shape.
    const typo = routeSetMessage({ value: route('+15555550143'), moved: 0, unrouted: 0 });
    expect(JSON.stringify(typo.blocks)).toMatch(/Area code 555 is not in smsops' number data.*typo/);
    expect(JSON.stringify(typo.blocks)).toContain('/sms number list +1 555 555 0143');
    const known = routeSetMessage({ value: route('+12025550143'), moved: 0, unrouted: 0 });
    expect(JSON.stringify(known.blocks)).not.toMatch(/number data/);
    expect(JSON.stringify(routeSetMessage({ value: route('default'), moved: 0, unrouted: 0 }).blocks)).not.toMatch(/number data/);
  });
});
