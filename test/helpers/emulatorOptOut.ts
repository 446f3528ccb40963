/**
 * Opts `number` out at the Wavix emulator, as Wavix's `POST /v3/messages/opt-outs` does (OpenAPI
 * `OptOutCreateRequest`): of messages from `senderId`, or from every sender when it is omitted. smsops itself never
 * creates opt-outs at Wavix; tests set them up this way.
 */
export async function optOutAtEmulator(
  emulator: { url: string; apiKey: string },
  number: string,
  senderId?: string,
): Promise<Response> {
  return fetch(`${emulator.url}/v3/messages/opt-outs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${emulator.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ opt_out: { number, ...(senderId ? { sender_id: senderId } : {}) } }),
  });
}
