// Runs as the root `preinstall` script of `npm ci` / `npm install`, before any dependency is built. npm hides the
// output of dependencies' build scripts, so without this line a slow better-sqlite3 build looks like a hang.
// Written to stderr, which npm passes through for the root project's own scripts.
process.stderr.write(
  'smsops: installing; better-sqlite3 (the SQLite driver) builds from source when no prebuilt binary fits this ' +
    'Node/platform, which takes about a minute with no output\n',
);
