/**
 * Whether Wavix refuses WAVIX_API_KEY now, as its latest answers say. A key revoked in Wavix's portal before smsops
 * restarted with the new one, or mistyped at a restart, left every reply from Slack "Not sent" and the watch blind
 * while /healthz said ok with nothing about Wavix: the first alert came after three watch runs (15 min). A 401 says
 * the key is refused; any answer Wavix accepted says it is taken again. Other refusals (403: a scope the key lacks,
 * 5xx, 429) say nothing of the key and change nothing.
 */
export interface WavixKeyRefusal {
  /** Told of each answer Wavix gave (an HTTP status), at `at` (ms). */
  note(status: number, at: number): void;
  /** Since when (ms) Wavix refuses the key, or undefined while it takes it (or has not answered yet). */
  refusedSince(): number | undefined;
}

export function createWavixKeyRefusal(): WavixKeyRefusal {
  let since: number | undefined;
  return {
    note(status, at) {
      if (status === 401) since ??= at;
      else if (status >= 200 && status < 300) since = undefined;
    },
    refusedSince: () => since,
  };
}

/**
 * /healthz's `wavix` words while the key is refused: what fails, what still works, and the fixes. Wavix answers 401
 * also to a key called from an address outside its permitted IPs (a database moved to a new host, a changed egress
 * address): told only "set another key and restart", the admin replaced a good key, and the new one, restricted alike,
 * was refused too. That case needs no restart: the first answer Wavix takes ends it.
 */
export function wavixKeyRefusedWords(since: number): string {
  return `Wavix refuses WAVIX_API_KEY (401) since ${new Date(since).toISOString()}: replies from Slack are not sent and the watch cannot read Wavix; inbound SMS still flow. Either the key is revoked or mistyped: set WAVIX_API_KEY to a key Wavix takes (its portal: API keys) and restart smsops; or this host's address is not among the key's permitted IPs: add it there (no restart needed)`;
}
