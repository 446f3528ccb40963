import { formatPhoneForPeople } from '../../core/phone.js';
import type { RouteProposal } from '../../core/portsipSetup.js';
import { maskUrl } from '../../core/urls.js';
import { ACTION } from '../ids.js';
import { pageFooter, pageOf, paginate } from './pages.js';
import { type Block, button, code, context, escapeMrkdwn, plural, type SlackMessage, section } from './text.js';

/** Route proposals a page of `/sms portsip`, each a section with its button. */
export const PROPOSALS_PER_PAGE = 20;

/** The button's value names the proposal, never its URL: the URL's last segment is a credential Slack need not hold. */
export const proposalValue = (p: Pick<RouteProposal, 'number'> & { configuration: { id: string } }) =>
  `${p.number}|${p.configuration.id}`;

export function portsipNotConfiguredMessage(): SlackMessage {
  const text =
    'The PortSIP API is not configured. Set PORTSIP_API_URL (the web portal with its port), PORTSIP_API_USER and PORTSIP_API_PASSWORD, or copy the webhook from PortSIP (Message Channels › SMS/MMS) into `/sms route set default <url>`.';
  return {
    text: escapeMrkdwn(text),
    blocks: [
      section(
        `:information_source: ${escapeMrkdwn(text).replace('`/sms route set default &lt;url&gt;`', '`/sms route set default <url>`')}`,
      ),
    ],
  };
}

function proposalBlock(line: string, p: RouteProposal): Block {
  const block = section(line);
  if (block.type !== 'section') return block;
  return { ...block, accessory: button({ text: 'Use this route', actionId: ACTION.usePortsipRoute, value: proposalValue(p) }) };
}

function proposalBlocks(p: RouteProposal): Block[] {
  const target =
    p.number === 'default'
      ? '*default* (every number without its own route)'
      : `*${escapeMrkdwn(formatPhoneForPeople(p.number))}*`;
  const status = p.alreadyInPlace
    ? ':white_check_mark: already in place'
    : p.currentUrl
      ? `replaces ${code(maskUrl(p.currentUrl))}`
      : 'no route yet';
  const shared =
    p.alsoClaimedBy.length > 0 ? `\n:warning: also on the trunk of ${p.alsoClaimedBy.map(escapeMrkdwn).join(', ')}` : '';
  const remark = p.refusedBecause
    ? `\n:no_entry: ${escapeMrkdwn(p.refusedBecause)}`
    : p.destinationNote
      ? `\n:house: ${escapeMrkdwn(p.destinationNote)}`
      : '';
  const line = `${target} → ${escapeMrkdwn(p.configuration.name)}: ${code(maskUrl(p.portsipUrl))}\n${status}${shared}${remark}`;
  return [p.alreadyInPlace || p.refusedBecause ? section(line) : proposalBlock(line, p)];
}

const portsipCommand = (page: number) => code(`/sms portsip${page > 1 ? ` page ${page}` : ''}`);

/**
 * `/sms portsip`: PortSIP's Wavix SMS configurations as routes smsops could use, one button each; a PBX with a DID
 * pool proposes one route per number, so they come a page at a time, every one on some page.
 */
export function routeProposalsMessage(proposals: readonly RouteProposal[], request: { page?: number } = {}): SlackMessage {
  if (proposals.length === 0) {
    return {
      text: 'PortSIP has no enabled SMS configuration on a Wavix trunk.',
      blocks: [
        section(':warning: PortSIP has no enabled SMS/MMS configuration on a Wavix trunk.'),
        context(
          'Create one in PortSIP (Message Channels › SMS/MMS, provider Wavix, your Wavix API key), then run `/sms portsip` again.',
        ),
      ],
    };
  }
  const pages = paginate(proposals, proposalBlocks, { reservedBlocks: 3, reservedText: 900, maxItems: PROPOSALS_PER_PAGE });
  const page = pageOf(pages, request.page ?? 1);
  const blocks: Block[] = [
    section(`*PortSIP SMS configurations on Wavix* (${proposals.length} route${proposals.length === 1 ? '' : 's'})`),
    ...page.items.flatMap(proposalBlocks),
    ...pageFooter(page, { one: 'route proposal' }, portsipCommand),
    context('Routes can also be set by hand: `/sms route set default <url>`. Changes are audited.'),
  ];
  const where = page.count > 1 ? ` (page ${page.number} of ${page.count})` : '';
  return { text: `${plural(proposals.length, 'route proposal')} from PortSIP${where}`, blocks };
}
