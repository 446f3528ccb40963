-- Failure reasons are shared (/sms traffic to any member, the digest and the failure-rate alert in the alert channel):
-- since this version a reply's failure is rolled up as its status, not Wavix's words, which may quote the reply. Hours
-- rolled up before it are marked stale, so the next refresh rebuilds them from the messages the new way.
INSERT OR IGNORE INTO traffic_stale_hours SELECT DISTINCT hour_start FROM traffic_failure_reasons;
