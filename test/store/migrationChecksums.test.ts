import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR } from '../../src/store/database.js';
import { EARLIER_CHECKSUMS } from '../../src/store/earlierChecksums.js';
import { earlierMigrationPath } from '../helpers/earlierMigrations.js';

/**
 * The sha256 of every shipped migration file, as databases in the field record it. An edit to one of these files
 * makes every database it migrated refuse to start (618ec89 reworded 029's comment and locked out every database
 * that 6b0d4ea migrated), so it must fail here, before it ships. A new migration is added at the end.
 */
const SHIPPED: ReadonlyArray<readonly [string, string]> = [
  ['001_settings_and_audit.sql', '62bae716b3e3959d78ee888f76e0d4523bf85ce17b150229fe5b934ce43e8249'],
  ['002_sender_ids.sql', 'a683971f119bc756be5081f10831f3d7495cdd8d39f790d54c064028468f09d3'],
  ['003_inbound_relay.sql', 'c6aea89101142f651e85158fb9ea3883abd8098ef52d2d313a4da01ac14acbe8'],
  ['004_outbound_and_dlr.sql', '58b1a914ee372974cdb021ca38ea0481f949bfa19bbcfb0252609bea87722af5'],
  ['005_routes.sql', '8caa885ab69558e0c4777b59a377521a74e4d36314908ca0f5331b15711e295f'],
  ['006_alerts_and_jobs.sql', 'f6dda66c4456247c361f0b0db180240fb6ac64dad150e4311c5309ad1a765071'],
  ['007_slack_threads.sql', '5e537002dfeb863d62a3bf56ee9865bba7ffe235c481d253cef78be510ba407a'],
  ['008_deliveries_due_by_kind.sql', 'f64afc4222e5119f5393a2b1589a7a7b63935f068ce1dd83f9148346721ccb24'],
  ['009_deliveries_by_destination.sql', 'c4aaed0804e52d2dfb003c488f3304f167cdb2c774501972b9e2fee233ec3a2a'],
  ['010_traffic.sql', '94f8cbbcd12633a5f8d904f17ee33bb40c091d2e6fbf1413f13379cc252b4c35'],
  ['011_ten_dlc.sql', '1953f5483a9f9c7ef2fbb45855a6442ad1ab084a5deeb1847c774aee2353ee8e'],
  ['012_watch_baseline.sql', '55ec35689bb86aa5d97abea807dcbeba62cef95a0999d1b17e1fb756ce19c77e'],
  ['013_delivery_retry_window.sql', '914599e2c60d7eceba0d0752c6adabda65582d85a1e416703998c35fa1eb9653'],
  ['014_schema_warnings.sql', 'b16d0b9b04c8e1e4f6a4f9c52b161c7c0a49c64180644b89c2bae03d32efb186'],
  ['015_slack_posts.sql', 'dde8a7f760d97d9657a8f4e4895d7ed8a3721328f04b42b3c934ce5d0795add1'],
  ['016_delivery_deterministic_failures.sql', '978befb12b9af053295dad42706e832a8c69f3d37c21187283f2f3cb58e33901'],
  ['017_retention_indexes.sql', 'c860bde02651278dae30029b35658d92beeac6170088c1f7eb37aa7e2c93228e'],
  ['018_alert_facts.sql', 'bf614f8e954950f7acaabe058bb329d27fa681302ee9900a347fc32f6abcc1f7'],
  ['019_conversations.sql', '4dba2682ca83c474c492e4ef7580cc2e4a4244da12ec50b44da0729adfaa2bcc'],
  ['020_reply_status_line.sql', '4b733ab3b4a1d8fc5de5c4c3cf84f84cf5d4bb39ad7cdd80084416a573360968'],
  ['021_slack_threads_by_ts.sql', 'c33766b373565ad9c42003cc1a7a1c324bed2572453f9801896578d93b1c4286'],
  ['022_instance_lease.sql', '2edca8cb0f50239e77e51a014f9464ef5c1718e9ddfa404c659e78b2aadf96ae'],
  ['023_audit_unknown_outcome.sql', '154c37381b9c2d423cde66d33a62478e5834dd23a8c141410bf6c1f6896b572d'],
  ['024_job_run_summary.sql', 'efb6997c1be49b61317af126b20d254119f60199032a766dad73aea0a43bad22'],
  ['025_sender_id_announcements.sql', 'bba2844cd76fb0b09a6d31ea7cc623268bbb15671d8ba92eb49449a6c41669a0'],
  ['026_alert_acknowledge_snooze_mute.sql', '49743de948c07a20dc5fc4be01216a5b1ca82e09f54749e96243ad5537a5733d'],
  ['027_doctor_ignored_numbers.sql', 'c36f176d96bd92a3f10bd727e4a639222e12c60a8a6fa289c6a21298a0375f0f'],
  ['028_slack_queue.sql', '1f1b169529baa58e94cf7346739d0328aebfa3477e4a14e0635f3a3bdf9ebff1'],
  ['029_traffic_triggers_without_temp_tables.sql', '3b222f4f7ab3b7f65fa8e5df563720b5c4080baa363eab469be316988a463841'],
  ['030_sender_id_deletion_announced.sql', 'a79acf6e988fedbc5acd84c26940fcc301bec9f06de9165ee0667d6ab5851b6d'],
  ['031_delivery_attempt_destination.sql', 'ce4a2a4c5ca59ff8a3a126de72f6ab0a3f1a253841037a5f2e9756255eb7be95'],
  ['032_expired_slack_threads.sql', 'b34dd77041078a3e7d0551a9ca11d3c53df10fac3e2ad647c48ea892bcda93ff'],
  ['033_route_updated_by.sql', '918ee8c91ab3218e06b1e7760c9731caaf8a8fd6d1437ab7ba5a440fdcf1c657'],
  ['034_sender_id_requests.sql', 'b36092584b93dd346addab12d19b3b6ba10f40ab66a79aac7151e6957b3458ba'],
  ['035_traffic_failure_reasons_rebuilt.sql', '93e73edd4df6988021fa9dc79aec3659ab566c7a65d566bfe7b20ad6e16198b4'],
  ['036_delivery_report_bodies_dropped.sql', '1f8e5ea98c72b9859a947ac33fe09cdc2d7e99f86963f2ee4fff65f1939fd9f5'],
  ['037_delivery_released.sql', 'f5b5817141b0b85237fcfe4095c9060d7efb3a9ad22823588262e3fa382ae4f0'],
  ['038_forgotten_messages.sql', '973bc422596120f25fbcc7b8463645a56d6c41708c3c850150fc1814dbd42514'],
  ['039_reply_wavix_segments.sql', '8ce4f680bed270f585bc7c5127e52d337da73b346d0f8beebf93b84f370d64dc'],
  ['040_delivery_retry_after.sql', '4078be70f951c1fc6fd3a44687aaffd41ad5a007e0581371d6594e7dfe4573dc'],
  ['041_customer_number_indexes.sql', '180c2bcae74d331328c29f2d60ff4b8073ff7bb25097db10377651e0d4a58f94'],
  ['042_deliveries_due_live_only.sql', 'da326c86984a6a12ac55757136bbb786ff46dc90121aebecdfa5f5b715e1a9c8'],
  ['043_delivery_status_check_without_in.sql', '4694fdad8ad25d0c561e9dac6c7888e5d1beaff7cd8f42c1d5221c2b128e5cb2'],
  ['044_reply_lookups.sql', 'd21aed9c307bdd8c7c54b0f98a4b9fabcd3c6fbd7fb01a0305f6eb1df32ea6a6'],
  ['045_sender_id_deleted_by.sql', '24e512f50d343f25bd5e238f6bbde138347461123e824488f45ab06fbc49ea83'],
  ['046_reply_report_checks.sql', '42bc1131c7731b9307fa1e8484458b61c7a1626e5f2feae349a4acebb9ea969f'],
];

const ROOT = join(import.meta.dirname, '..', '..');

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** The file's lines without `--` comments and blank lines (enough for the kept files, none of which quotes `--`). */
const sqlWithoutComments = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.replace(/--.*$/, '').trimEnd())
    .filter((line) => line.trim() !== '');

describe('shipped migration files', () => {
  it('are byte for byte as shipped: databases in the field record these checksums', () => {
    const changed: string[] = [];
    for (const [file, pinned] of SHIPPED) {
      const path = join(DEFAULT_MIGRATIONS_DIR, file);
      if (!existsSync(path)) {
        changed.push(`${file} is gone: databases it migrated refuse to start without it; put it back`);
        continue;
      }
      const now = sha256(path);
      if (now !== pinned)
        changed.push(
          `${file} changed since it shipped (sha256 ${pinned}, now ${now}): databases it migrated would refuse to start. ` +
            'Put it back and add a new migration instead; if only comments changed, add the old checksum to the known ' +
            'earlier checksums (EARLIER_CHECKSUMS in src/store/earlierChecksums.ts, the old file kept in ' +
            `${relative(ROOT, earlierMigrationPath(file, pinned))}) and pin the new one here`,
        );
    }
    expect(changed, changed.join('\n')).toEqual([]);
  });

  it('are all pinned here, a new one included', () => {
    const pinned = new Set(SHIPPED.map(([file]) => file));
    const unpinned = readdirSync(DEFAULT_MIGRATIONS_DIR).filter((file) => file.endsWith('.sql') && !pinned.has(file));
    expect(unpinned, 'pin each new migration in SHIPPED with its sha256 once it is committed').toEqual([]);
  });

  it('have each known earlier checksum kept as a file with the same SQL, comments aside', () => {
    for (const [file, checksums] of Object.entries(EARLIER_CHECKSUMS)) {
      expect(existsSync(join(DEFAULT_MIGRATIONS_DIR, file)), `${file} is a shipped migration`).toBe(true);
      for (const checksum of checksums) {
        const earlier = earlierMigrationPath(file, checksum);
        expect(existsSync(earlier), `${earlier} kept`).toBe(true);
        expect(sha256(earlier), `${earlier}'s checksum`).toBe(checksum);
        expect(sqlWithoutComments(earlier), `${file} as ${checksum.slice(0, 12)} shipped it: only comments differ`).toEqual(
          sqlWithoutComments(join(DEFAULT_MIGRATIONS_DIR, file)),
        );
      }
    }
  });
});
