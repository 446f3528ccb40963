/** What smsops once saw working: drift is a change from it, not a setup never finished (that is `/sms doctor`). */
export interface NumberBaseline {
  number: string;
  seenPointingAtSmsops: boolean;
  seenInboundActive: boolean;
}
