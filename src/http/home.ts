import { type Route, sendJson } from './server.js';

/**
 * GET /: someone who opens smsops' address in a browser learns what answers there and where to look, instead of
 * `{"error":"not found"}`. It names the public paths only; the webhook paths hold the secret and are never listed.
 */
export function homeRoute(): Route {
  return {
    method: 'GET',
    path: '/',
    handler: (_req, res) =>
      sendJson(res, 200, {
        service: 'smsops',
        about: 'Relays inbound SMS from Wavix to Slack and PortSIP; operated from Slack with /sms',
        health: '/healthz',
        metrics: '/metrics',
      }),
  };
}
