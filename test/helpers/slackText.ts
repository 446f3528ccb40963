/** The literal SMS text in blocks: every rich_text `text` element, in order (how smsops shows SMS text). */
export function literalTexts(blocks: unknown): string[] {
  const out: string[] = [];
  const walk = (value: unknown, inRichText: boolean) => {
    if (Array.isArray(value)) for (const v of value) walk(v, inRichText);
    else if (value && typeof value === 'object') {
      const o = value as Record<string, unknown>;
      if (inRichText && o.type === 'text' && typeof o.text === 'string') out.push(o.text);
      else for (const v of Object.values(o)) walk(v, inRichText || o.type === 'rich_text');
    }
  };
  walk(blocks, false);
  return out;
}

/** Every mrkdwn and plain_text string in blocks: where Slack formats, links, converts emoji or pings. */
export function formattedTexts(blocks: unknown): string[] {
  const out: string[] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) for (const v of value) walk(v);
    else if (value && typeof value === 'object') {
      const o = value as Record<string, unknown>;
      if ((o.type === 'mrkdwn' || o.type === 'plain_text') && typeof o.text === 'string') out.push(o.text);
      else for (const v of Object.values(o)) walk(v);
    }
  };
  walk(blocks);
  return out;
}
