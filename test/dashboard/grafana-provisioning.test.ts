import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { createClickHouse } from '../../src/infra/clickhouse/index.js';
import { createKafka } from '../../src/infra/kafka/index.js';
import { createLogger } from '../../src/infra/logging/logger.js';
import { stopServiceProcess } from '../support/embedded-demo.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { testServices, uniqueTestName } from '../support/services.js';
import { testSecrets } from '../support/test-app.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** The ClickHouse tables the analytics dashboard may read, with their columns (the business events sink's schema). */
const clickHouseTables: Record<string, readonly string[]> = {
  business_cell_15m: [
    'city', 'bucket', 'cell', 'variant', 'searches', 'estimates', 'bookings', 'completed_rides', 'cancelled_by_rider', 'cancelled_by_driver',
    'cancelled_other', 'assignments', 'median_time_to_assign_ms', 'supply_idle', 'supply_online', 'fare_total_minor', 'computed_at_ms',
  ],
  business_events: [
    'event_id', 'event_type', 'event_version', 'occurred_at', 'occurred_at_ms', 'side', 'merchant_id', 'city', 'cell', 'variant', 'subject_id',
    'payload', 'amount_minor', 'amount_max_minor', 'currency', 'item_count', 'time_to_assign_ms', 'distance_m', 'duration_s', 'actor', 'rating',
    'supply_online', 'supply_idle', 'supply_on_ride', 'ingested_at',
  ],
};

const sqlKeywords = new Set(
  'select from where and or not in as group by order having final desc asc distinct null interval limit on join left inner case when then else end is between like'.split(' '),
);

interface Target {
  refId: string;
  datasource?: { type: string; uid: string };
  rawSql?: string;
  expr?: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Target[];
}
interface Variable {
  name: string;
  type: string;
  query: string;
  datasource?: { type: string; uid: string };
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
}

/**
 * What a SQL text reads that the tables do not have: tables other than the
 * known ones, and identifiers that are neither a column of a table it reads,
 * a function, a keyword nor an alias it defines. Grafana's macros ($__...)
 * and quoted text are not identifiers.
 */
function unknownSqlNames(sql: string): string[] {
  const text = sql.replace(/'(?:[^'\\]|\\.)*'/g, "''").replace(/\$__\w+/g, ' ');
  const tables = [...text.matchAll(/\b(?:from|join)\s+([A-Za-z_][\w.]*)/gi)].map((match) => match[1]!);
  const unknown = tables.filter((table) => !(table in clickHouseTables));
  const columns = new Set(tables.flatMap((table) => clickHouseTables[table] ?? []));
  const aliases = new Set([...text.matchAll(/\bas\s+([A-Za-z_]\w*)/gi)].map((match) => match[1]!.toLowerCase()));
  for (const match of text.matchAll(/(?<![\w.$])([A-Za-z_]\w*)(?!\w)(\s*\()?/g)) {
    const name = match[1]!;
    if (match[2] || sqlKeywords.has(name.toLowerCase()) || aliases.has(name.toLowerCase()) || tables.includes(name) || columns.has(name)) continue;
    unknown.push(name);
  }
  return [...new Set(unknown)];
}

/** Every text a query becomes once its dashboard variables are replaced (custom variables by each option, query variables by a literal). */
function expansions(text: string, variables: Variable[]): string[] {
  let texts = [text];
  for (const variable of variables) {
    const pattern = new RegExp(`\\$\\{${variable.name}\\}|\\$${variable.name}\\b`, 'g');
    const values = variable.type === 'custom' ? variable.query.split(',').map((value) => value.trim()) : ['std:080'];
    texts = texts.flatMap((one) => (pattern.test(one) ? values.map((value) => one.replace(pattern, value)) : [one]));
  }
  return texts;
}

/** Metric names a PromQL expression reads: identifiers left once label matchers, ranges, groupings, strings and function calls are set aside. */
function promMetricNames(expr: string): string[] {
  const text = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const operators = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'and', 'or', 'unless']);
  return [...text.matchAll(/(?<![\w:.])([A-Za-z_:][\w:]*)(\s*\()?/g)].filter((match) => !match[2] && !operators.has(match[1]!)).map((match) => match[1]!);
}

/** Series names a registry's metric families expose (a histogram's _bucket, _sum and _count). */
function seriesNames(families: { name: string; type: string }[]): Set<string> {
  return new Set(families.flatMap(({ name, type }) => (type === 'histogram' || type === 'summary' ? [name, `${name}_bucket`, `${name}_sum`, `${name}_count`] : [name])));
}

function parseExposition(text: string): { name: string; type: string }[] {
  return [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((match) => ({ name: match[1]!, type: match[2]! }));
}

const dashboards = readdirSync(join(root, 'deploy/grafana/dashboards'))
  .filter((file) => file.endsWith('.json'))
  .map((file) => ({ file, dashboard: JSON.parse(read(`deploy/grafana/dashboards/${file}`)) as Dashboard }));

describe('Grafana and Prometheus provisioning (deploy/, docker-compose.yml)', function () {
  this.timeout(120_000);

  it('the SQL check refuses an unknown table or column and accepts a known one, so the panel checks below can fail', () => {
    assert.deepEqual(unknownSqlNames("SELECT sum(searchez) AS s FROM business_cell_15m FINAL WHERE city = 'x' AND $__timeFilter(bucket)"), ['searchez']);
    assert.deepEqual(unknownSqlNames('SELECT count() FROM rides'), ['rides']);
    assert.deepEqual(unknownSqlNames("SELECT $__timeInterval(bucket) AS time, sum(searches) AS n FROM business_cell_15m FINAL WHERE city = 'x' GROUP BY time"), []);
    assert.deepEqual(promMetricNames('histogram_quantile(0.95, sum by (le, route) (rate(beckn_ride_x_bucket{job="a",route=~"b"}[$__rate_interval])))'), ['beckn_ride_x_bucket']);
  });

  it('docker-compose runs Prometheus and Grafana with the files under deploy/ and declares every named volume', () => {
    const compose = parse(read('docker-compose.yml')) as {
      services: Record<string, { image?: string; environment?: Record<string, string>; volumes?: string[] }>;
      volumes: Record<string, unknown>;
    };
    const prometheus = compose.services.prometheus!;
    const grafana = compose.services.grafana!;
    assert.ok(prometheus?.image?.startsWith('prom/prometheus:'), 'a prometheus service');
    assert.ok(grafana?.image?.startsWith('grafana/grafana:'), 'a grafana service');
    assert.match(grafana.environment?.GF_INSTALL_PLUGINS ?? '', /grafana-clickhouse-datasource/);
    for (const [name, service] of Object.entries(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const [source] = volume.split(':');
        if (source!.startsWith('./')) assert.ok(existsSync(join(root, source!)), `${name} mounts ${source}, which exists`);
        else assert.ok(source! in compose.volumes, `${name}'s volume ${source} is declared`);
      }
    }
    const mountOf = (service: { volumes?: string[] }, source: string) => service.volumes?.find((volume) => volume.startsWith(`${source}:`))?.split(':')[1];
    assert.equal(mountOf(grafana, './deploy/grafana/provisioning'), '/etc/grafana/provisioning');
    const provider = parse(read('deploy/grafana/provisioning/dashboards/dashboards.yml')) as { providers: { options: { path: string } }[] };
    assert.equal(provider.providers[0]?.options.path, mountOf(grafana, './deploy/grafana/dashboards'), 'the dashboards provider reads where the dashboards are mounted');
    assert.equal(mountOf(prometheus, './deploy/prometheus/prometheus.yml'), '/etc/prometheus/prometheus.yml');
  });

  it('Prometheus scrapes /metrics of the compose services on the ports they listen on', () => {
    const compose = parse(read('docker-compose.yml')) as { services: Record<string, { environment?: Record<string, string | number> }> };
    const config = parse(read('deploy/prometheus/prometheus.yml')) as { scrape_configs: { job_name: string; metrics_path: string; static_configs: { targets: string[] }[] }[] };
    const targets = config.scrape_configs.flatMap((job) => job.static_configs.flatMap((group) => group.targets.map((target) => ({ job, target }))));
    assert.deepEqual(targets.map(({ target }) => target).sort(), ['app:8080', 'audit-sink:8081']);
    for (const { job, target } of targets) {
      const [host, port] = target.split(':');
      assert.equal(String(compose.services[host!]?.environment?.PORT), port, `${host} listens on ${port}`);
      assert.equal(job.metrics_path, '/metrics');
    }
  });

  it('the data sources are the ClickHouse plugin and Prometheus, with credentials from the grafana service environment', () => {
    const compose = parse(read('docker-compose.yml')) as { services: Record<string, { environment?: Record<string, string> }> };
    const text = read('deploy/grafana/provisioning/datasources/datasources.yml');
    const provisioning = parse(text) as { datasources: { uid: string; type: string }[] };
    assert.deepEqual(provisioning.datasources.map((source) => `${source.uid} ${source.type}`).sort(), [
      'beckn-ride-clickhouse grafana-clickhouse-datasource',
      'beckn-ride-prometheus prometheus',
    ]);
    for (const [, name] of text.matchAll(/\$\{?([A-Z_]+)\}?/g)) assert.ok(compose.services.grafana?.environment?.[name!] !== undefined, `grafana's environment sets ${name}`);
  });

  it('two dashboards, "beckn-ride city analytics" and "beckn-ride service", whose panels use the provisioned data sources', () => {
    assert.deepEqual(dashboards.map(({ dashboard }) => dashboard.title).sort(), ['beckn-ride city analytics', 'beckn-ride service']);
    assert.equal(new Set(dashboards.map(({ dashboard }) => dashboard.uid)).size, dashboards.length);
    for (const { file, dashboard } of dashboards) {
      const ids = dashboard.panels.map((panel) => panel.id);
      assert.equal(new Set(ids).size, ids.length, `${file}: panel ids are unique`);
      for (const panel of dashboard.panels) {
        assert.ok(panel.targets && panel.targets.length > 0, `${file}: "${panel.title}" queries something`);
        for (const target of panel.targets) {
          const uid = target.datasource?.uid ?? panel.datasource?.uid;
          assert.ok(uid === 'beckn-ride-clickhouse' || uid === 'beckn-ride-prometheus', `${file}: "${panel.title}" uses a provisioned data source`);
          assert.ok(uid === 'beckn-ride-clickhouse' ? target.rawSql : target.expr, `${file}: "${panel.title}" has its query`);
        }
      }
    }
  });

  it('every SQL query of the city analytics dashboard reads only business_cell_15m and business_events columns', () => {
    const { dashboard } = dashboards.find(({ dashboard }) => dashboard.title === 'beckn-ride city analytics')!;
    const variables = dashboard.templating.list;
    const queries = [
      ...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ where: `panel "${panel.title}"`, sql: target.rawSql ?? '' }))),
      ...variables.filter((variable) => variable.type === 'query').map((variable) => ({ where: `variable ${variable.name}`, sql: variable.query })),
    ];
    assert.ok(queries.length >= 10);
    for (const { where, sql } of queries) {
      for (const expanded of expansions(sql, variables)) {
        assert.match(expanded, /\bFROM business_(cell_15m|events)\b/, `${where} reads a business table`);
        assert.doesNotMatch(expanded, /\$(?!__)\{?\w/, `${where}: every variable is defined (${expanded})`);
        assert.deepEqual(unknownSqlNames(expanded), [], `${where}: ${expanded}`);
      }
    }
    // Both tables are ReplacingMergeTrees (a recompute or a replayed batch replaces rows), so panels collapse them with FINAL;
    // the city list is the same either way.
    for (const panel of dashboard.panels) {
      for (const target of panel.targets ?? []) assert.doesNotMatch(target.rawSql ?? '', /FROM business_\w+(?! FINAL)\b/, `"${panel.title}" reads with FINAL`);
    }
  });

  describe('the service dashboard', () => {
    // The series as the processes Prometheus scrapes expose them: the service (embedded) and the sink process (audit and business events, on the test Kafka and ClickHouse).
    const sinkDatabase = uniqueTestName('grafana_sink_db');
    const sinkTopic = uniqueTestName('grafana_sink_topic');
    const sinkGroup = uniqueTestName('grafana_sink_group');
    const eventsTopic = uniqueTestName('grafana_sink_events_topic');
    let service: ServiceProcess;
    let sink: ServiceProcess;
    before(async () => {
      service = await startServiceProcess({ PORT: '0', DATA_DIR: mkdtempSync(join(tmpdir(), 'beckn-ride-test-grafana-')), SHUTDOWN_TIMEOUT_MS: '10000' });
      sink = await startServiceProcess(
        {
          PORT: '0',
          LOG_LEVEL: 'warn',
          DATA_DIR: mkdtempSync(join(tmpdir(), 'beckn-ride-test-grafana-sink-')),
          KAFKA_BROKERS: testServices.kafkaBrokers.join(','),
          CLICKHOUSE_URL: testServices.clickhouseUrl,
          CLICKHOUSE_DATABASE: sinkDatabase,
          KAFKA_MESSAGE_TOPIC: sinkTopic,
          KAFKA_MESSAGE_TOPIC_PARTITIONS: '1',
          AUDIT_SINK_GROUP: sinkGroup,
          EVENTS_TOPIC: eventsTopic,
          SHUTDOWN_TIMEOUT_MS: '10000',
          ...testSecrets(),
        },
        120_000,
        'src/audit-sink.ts',
      );
    });
    after(async () => {
      await stopServiceProcess(service);
      await stopServiceProcess(sink);
      const admin = createKafka({ brokers: testServices.kafkaBrokers, clientId: 'beckn-ride-test', logger: createLogger('silent') }).admin();
      await admin.connect();
      await admin.deleteGroups([sinkGroup, `${sinkGroup}-events`]).catch(() => undefined);
      await admin.deleteTopics({ topics: [sinkTopic, eventsTopic] }).catch(() => undefined);
      await admin.disconnect();
      const clickhouse = createClickHouse({ url: testServices.clickhouseUrl, database: 'default' });
      await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${sinkDatabase}` });
      await clickhouse.close();
    });

    it('queries only metrics the running service and sink process expose on /metrics', async () => {
      const scrape = async (process: ServiceProcess) => parseExposition(await (await fetch(`${process.baseUrl}/metrics`)).text());
      const [fromService, fromSink] = await Promise.all([scrape(service), scrape(sink)]);
      assert.ok(fromService.some((family) => family.name === 'beckn_ride_http_requests_total'), 'the service exposes its series');
      assert.ok(fromSink.some((family) => family.name.startsWith('beckn_ride_audit_sink_')), 'the audit sink exposes its series');
      assert.ok(fromSink.some((family) => family.name.startsWith('beckn_ride_events_sink_')), 'the events sink exposes its series');
      const known = seriesNames([...fromService, ...fromSink]);
      const { dashboard } = dashboards.find(({ dashboard }) => dashboard.title === 'beckn-ride service')!;
      const used = dashboard.panels.flatMap((panel) => (panel.targets ?? []).flatMap((target) => promMetricNames(target.expr ?? '').map((name) => ({ panel: panel.title, name }))));
      assert.ok(used.length >= 10);
      assert.deepEqual(used.filter(({ name }) => !known.has(name)), []);
    });
  });
});
