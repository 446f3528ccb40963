-- When an attempt in flight was last given back unfinished (smsops stopped or crashed during it, or its lease ran
-- out): the destination may have got that attempt, and the next one sends the SMS again. `/sms inbox <Wavix id>` says
-- so, since nothing else kept a trace of it (the attempt's outcome was never recorded).
ALTER TABLE deliveries ADD COLUMN released_at INTEGER;
