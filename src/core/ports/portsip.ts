/**
 * The parts of PortSIP's REST API the setup use cases read (src/portsip/api.ts implements it, parsing PortSIP's
 * snake_case into these). Ids are PortSIP's opaque strings. DID lists are kept as PortSIP wrote them: an entry may be
 * a hyphenated range `A-B`; matching a number against them is the caller's job.
 */

export interface PortsipSmsConfiguration {
  id: string;
  name: string;
  enabled: boolean;
  senderId: string | null;
  providerId: string | null;
  providerName: string | null;
  providerBrand: string | null;
  /** The inbound SMS URL exactly as PortSIP gives it (its path may contain spaces). Its last segment is a secret. */
  webhook: string | null;
}

export interface PortsipInboundRule {
  id: string;
  name: string;
  enabled: boolean;
  didNumbers: string[];
  providerId: string | null;
}

export interface PortsipProvider {
  id: string;
  name: string;
  enabled: boolean;
  brand: string | null;
  didNumbers: string[];
}

export interface PortsipApi {
  /** `GET /api/sms`: every SMS/MMS configuration visible to the user, with its inbound webhook URL. */
  listSmsConfigurations(): Promise<PortsipSmsConfiguration[]>;
  /** `GET /api/inbound_rules`: the rules that route calls, and SMS, per DID. */
  listInboundRules(): Promise<PortsipInboundRule[]>;
  /** `GET /api/providers`: trunks with their brand and DID pool. */
  listProviders(): Promise<PortsipProvider[]>;
}
