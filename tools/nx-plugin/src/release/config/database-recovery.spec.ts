import { ARCHIVE_SETTINGS, databaseSchema, databaseStatefulSet, databaseStoreConfigMap, type StatefulSetDatabase } from './database';
import { STORE_BACKUP_SCRIPT as BACKUP_SCRIPT, STORE_RESTORE_SCRIPT as RESTORE_SCRIPT, STORE_SCRIPTS } from './object-store';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  backupJob,
  backupName,
  backupRecord,
  describeTarget,
  NO_BACKUP,
  parseRestoreTarget,
  recoveryTime,
  restoreJob,
  restoreOutcome,
  stamp,
  walSwitchJob,
} from './database-recovery';

const db = databaseSchema.parse({
  kind: 'statefulset',
  image: 'reg/trading-base/postgres:15',
  storage: '1Gi',
  nodePath: '/v',
  node: 'trading-node',
  store: { endpoint: 'http://198.18.0.2:4443', bucket: 'trading-db-archive' },
}) as StatefulSetDatabase;
const o = { environment: 'staging', namespace: 'trading-staging', db, timeoutSeconds: 300 };
const now = new Date('2026-12-05T07:30:00.250Z');

describe('point-in-time recovery: the target', () => {
  it('reads an ISO 8601 time with its zone, in the past', () => {
    expect(parseRestoreTarget('2026-12-05T07:29:00Z', now).toISOString()).toBe('2026-12-05T07:29:00.000Z');
    expect(parseRestoreTarget('2026-12-05T08:29:00.5+01:00', now).toISOString()).toBe('2026-12-05T07:29:00.500Z');
    expect(parseRestoreTarget('2026-12-05 07:29:59.123456Z', now).toISOString()).toBe('2026-12-05T07:29:59.123Z');
  });

  it('refuses a time without a zone, a malformed one, and one not in the past, saying how to write it', () => {
    expect(() => parseRestoreTarget('2026-12-05T07:29:00', now)).toThrow(/not a time with its zone: say e\.g\. --to=2026-12-05T07:30:00Z/);
    expect(() => parseRestoreTarget('yesterday', now)).toThrow(/not a time with its zone/);
    expect(() => parseRestoreTarget('2026-13-45T07:29:00Z', now)).toThrow(/not a valid time/);
    expect(() => parseRestoreTarget('2026-12-05T07:30:01Z', now)).toThrow(/not in the past \(now is 2026-12-05T07:30:00\.250Z\): a restore can only go back/);
  });

  it('gives recovery_target_time the target in UTC to the millisecond', () => {
    expect(recoveryTime(new Date('2026-12-05T07:29:00.5+01:00'))).toBe('2026-12-05 06:29:00.500+00');
  });

  it('names backups by their UTC time first, so they sort by age, then why', () => {
    expect(stamp(now)).toBe('20261205T073000Z');
    expect(backupName(now, 'Before execution-engine agents!')).toBe('20261205T073000Z-before-execution-engine-agents');
    expect(backupName(now, '')).toBe('20261205T073000Z');
    expect([backupName(new Date('2026-12-06T00:00:00Z'), 'b'), backupName(now, 'a')].sort()[0]).toBe('20261205T073000Z-a');
  });
});

describe('point-in-time recovery: the server and its Jobs', () => {
  it('the server archives every WAL segment to the store (its scripts from a ConfigMap), at least once a minute', () => {
    const pod = databaseStatefulSet('staging', 'trading-staging', db).spec!.template.spec!;
    const server = pod.containers[0];
    expect(server.args).toEqual(ARCHIVE_SETTINGS.flatMap((s) => ['-c', s]));
    expect(ARCHIVE_SETTINGS).toContain('archive_mode=on');
    expect(ARCHIVE_SETTINGS).toContain('archive_timeout=60');
    expect(ARCHIVE_SETTINGS).toContain('archive_command=sh /etc/trading-db/wal-archive.sh %p %f');
    expect(server.volumeMounts).toContainEqual({ name: 'store', mountPath: '/etc/trading-db', readOnly: true });
    expect(pod.volumes).toContainEqual({ name: 'store', configMap: { name: 'trading-db-store' } });
    expect(databaseStoreConfigMap('staging', 'trading-staging').data).toEqual(STORE_SCRIPTS);
    // Its objects under the namespace's name, in the environment's bucket; no token for the emulator.
    expect(server.env).toEqual(
      expect.arrayContaining([
        { name: 'GCS_ENDPOINT', value: 'http://198.18.0.2:4443' },
        { name: 'GCS_BUCKET', value: 'trading-db-archive' },
        { name: 'GCS_PREFIX', value: 'trading-staging' },
      ]),
    );
    expect(server.env!.map((e) => e.name)).not.toContain('GCS_TOKEN_URL');
    // A replay rejects sessions until it promotes: alive is "listens", not "accepts a session".
    expect(server.livenessProbe).toMatchObject({ tcpSocket: { port: 5432 } });
  });

  it('a backup Job: pg_basebackup to the store, as the server user, the password from the Secret, never retried', () => {
    const job = backupJob(o, '20261205T073000Z-before-execution-engine');
    expect(job.metadata!.name).toBe('trading-db-backup-20261205t073000z-before-execution-engine');
    const pod = job.spec!.template.spec!;
    expect(job.spec!.backoffLimit).toBe(0);
    expect(pod.securityContext).toMatchObject({ runAsUser: 65532, runAsNonRoot: true });
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/hostname': 'trading-node' });
    const container = pod.containers[0];
    expect(container.command).toEqual(['/bin/sh', '-c', 'sh /etc/trading-db/backup.sh']);
    expect(BACKUP_SCRIPT).toMatch(/pg_basebackup --pgdata="\$work" --format=tar --gzip --wal-method=stream --checkpoint=fast/);
    expect(container.env).toContainEqual({ name: 'GCS_PREFIX', value: 'trading-staging' });
    expect(container.env).toContainEqual({ name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'trading-db', key: 'password' } } });
    expect(container.env).toContainEqual({ name: 'KEEP', value: '5' });
    expect(container.env).toContainEqual({ name: 'PGHOST', value: 'trading-db.trading-staging.svc' });
    expect(pod.volumes!.map((v) => v.name)).toEqual(['store', 'tmp']);
  });

  it('the WAL switch and the restore Jobs: one per request; only the restore mounts the data volume', () => {
    expect(walSwitchJob(o, '20261205T073000Z').metadata!.name).toBe('trading-db-wal-switch-20261205t073000z');
    expect(walSwitchJob(o, '20261205T073000Z').spec!.template.spec!.volumes!.map((v) => v.name)).toEqual(['tmp']);
    const job = restoreJob(o, '20261205T073000Z', { time: new Date('2026-12-05T07:29:00.5Z') });
    expect(job.metadata!.name).toBe('trading-db-restore-20261205t073000z');
    expect(job.spec!.template.spec!.volumes!.map((v) => v.name)).toEqual(['data', 'store', 'tmp']);
    expect(job.spec!.template.spec!.containers[0].env).toEqual(
      expect.arrayContaining([
        { name: 'TARGET_KIND', value: 'time' },
        { name: 'TARGET', value: '2026-12-05 07:29:00.500+00' },
        { name: 'TARGET_EPOCH', value: '1796455740' },
        { name: 'REQUEST', value: '20261205T073000Z' },
      ]),
    );
    // The old data is moved aside, never removed; the prepared copy replaces it in one rename.
    expect(RESTORE_SCRIPT).not.toMatch(/rm -rf "\$data\/pgdata"[^.]/);
    expect(RESTORE_SCRIPT).toMatch(/mv "\$data\/pgdata" "\$aside"; fi\nmv "\$data\/pgdata\.restoring" "\$data\/pgdata"/);
    expect(RESTORE_SCRIPT).toContain("recovery_target_action = 'promote'");
    expect(RESTORE_SCRIPT).toContain(NO_BACKUP);
    expect(RESTORE_SCRIPT).toContain("recovery_target_$TARGET_KIND = '$TARGET'");
  });

  it("writes one recovery target: an earlier restore's settings, which a later backup carries, go first", () => {
    const dir = mkdtempSync(join(tmpdir(), 'auto-conf-'));
    const conf = join(dir, 'postgresql.auto.conf');
    writeFileSync(
      conf,
      "# Do not edit this file manually!\nwal_level = 'replica'\n# point-in-time recovery 20261205T111338Z (the restore Job, from base backup b)\nrestore_command = 'cp /a/wal/%f %p'\nrecovery_target_time = '2026-12-05 11:13:30.000+00'\nrecovery_target_action = 'promote'\nhot_standby = off\n",
    );
    const sed = RESTORE_SCRIPT.split('\n').find((l) => l.startsWith('sed -i'))!;
    execFileSync('sh', ['-c', sed.replace('"$data/pgdata.restoring/postgresql.auto.conf"', conf)]);
    expect(readFileSync(conf, 'utf8')).toBe("# Do not edit this file manually!\nwal_level = 'replica'\n");
  });

  it("a recovery to a backup's mark: that backup, its restore point's LSN as the target", () => {
    const env = restoreJob(o, '20261205T080000Z', { backup: '20261205T072000Z-before-agents', mark: { lsn: '0/7000090', at: '2026-12-05T07:20:03.120Z' } })
      .spec!.template.spec!.containers[0].env!;
    expect(env).toEqual(
      expect.arrayContaining([
        { name: 'TARGET_KIND', value: 'lsn' },
        { name: 'TARGET', value: '0/7000090' },
        { name: 'FROM_BACKUP', value: '20261205T072000Z-before-agents' },
      ]),
    );
    expect(env.map((e) => e.name)).not.toContain('TARGET_EPOCH');
    expect(describeTarget({ backup: 'b', mark: { lsn: '0/7000090', at: '2026-12-05T07:20:03.120Z' } })).toBe(
      'the mark of backup b (0/7000090, 2026-12-05T07:20:03.120Z)',
    );
  });

  it("reads which backup the restore used and where the old data went, from a fresh run's log and a rerun's", () => {
    expect(
      restoreOutcome(
        'restore 20261205T073000Z: base backup 20261205T072000Z-manual in place; the server replays the archived WAL to 2026-12-05 07:29:00.500+00 at its start; the data from before is kept in /var/lib/postgresql/data/pgdata.before-restore-20261205T073000Z\n',
      ),
    ).toEqual({ backup: '20261205T072000Z-manual', aside: '/var/lib/postgresql/data/pgdata.before-restore-20261205T073000Z' });
    expect(
      restoreOutcome('restore 20261205T073000Z: prepared before: 20261205T073000Z 20261205T072000Z-manual /d/pgdata.before-restore-20261205T073000Z'),
    ).toEqual({
      backup: '20261205T072000Z-manual',
      aside: '/d/pgdata.before-restore-20261205T073000Z',
    });
    expect(restoreOutcome('something else')).toBeNull();
  });
});

describe('point-in-time recovery: what a backup records', () => {
  it("reads its WAL start from the backup_label inside the tar, as the Job's script does with tar and sed", () => {
    const dir = mkdtempSync(join(tmpdir(), 'backup-label-'));
    writeFileSync(
      join(dir, 'backup_label'),
      'START WAL LOCATION: 0/5000028 (file 000000010000000000000005)\nCHECKPOINT LOCATION: 0/5000060\nBACKUP METHOD: streamed\nLABEL: 20261205T073000Z-jest\n',
    );
    execFileSync('tar', ['-czf', join(dir, 'base.tar.gz'), '-C', dir, 'backup_label']);
    const lines = BACKUP_SCRIPT.split('\n').filter((l) => /^(label|wal)=/.test(l));
    const out = execFileSync('sh', ['-c', `work=${dir}; ${lines.join('; ')}; echo "$wal"`], { encoding: 'utf8' });
    expect(out.trim()).toBe('0/5000028');
  });

  it("reads the backup's end and WAL start from the Job's log; a reused backup's log says nothing", () => {
    expect(backupRecord('b', 'backup b: 4120 KiB in 2 s; ended 2026-12-05T07:30:02Z, WAL from 0/5000028\n')).toEqual({
      name: 'b',
      at: '2026-12-05T07:30:02Z',
      lsn: '0/5000028',
    });
    expect(backupRecord('b', '')).toEqual({ name: 'b' });
    // With its mark (the restore point after it), and as a rerun prints it (the summary it kept).
    expect(
      backupRecord(
        'b',
        'backup b: taken before\nbackup b: 4120 KiB in 2 s; ended 2026-12-05T07:30:02Z, WAL from 0/5000028, mark 2026-12-05T07:30:02.481Z 0/6000090\n',
      ),
    ).toEqual({ name: 'b', at: '2026-12-05T07:30:02Z', lsn: '0/5000028', mark: { at: '2026-12-05T07:30:02.481Z', lsn: '0/6000090' } });
  });
});
