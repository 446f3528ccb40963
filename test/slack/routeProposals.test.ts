import { describe, expect, it } from 'vitest';
import { destinationRemark } from '../../src/core/destinationUrls.js';
import type { RouteProposal } from '../../src/core/portsipSetup.js';
import { routeProposalsMessage } from '../../src/slack/ui/portsip.js';

const proposal = (number: string, portsipUrl: string): RouteProposal => {
  const remark = destinationRemark(portsipUrl);
  return {
    number,
    portsipUrl,
    configuration: { id: `cfg-${number}`, name: 'Wavix SMS', providerName: 'Wavix', providerBrand: 'Wavix - US' },
    currentUrl: null,
    alreadyInPlace: false,
    alsoClaimedBy: [],
    destinationNote: remark.note,
    refusedBecause: remark.refused,
  };
};

describe('/sms portsip proposals and destination rules', () => {
  it('offers no button for a webhook at a metadata address and says why; marks a LAN one', () => {
    const message = routeProposalsMessage([
      proposal('+14155550100', 'http://169.254.169.254/emc/Wavix/0d3c9a44-1111-2222-3333-444455556666'),
      proposal('+14155550101', 'https://192.168.1.20:8887/emc/Wavix/0d3c9a44-1111-2222-3333-444455556666'),
    ]);
    const [, refused, lan] = message.blocks as Array<{ text?: { text: string }; accessory?: unknown }>;
    expect(refused?.text?.text).toContain(':no_entry: smsops does not send to');
    expect(refused?.accessory).toBeUndefined();
    expect(lan?.text?.text).toContain('private address (192.168.0.0/16): PortSIP on your LAN?');
    expect(lan?.accessory).toMatchObject({ type: 'button' });
  });
});
