// The local Prometheus' configuration, printed as YAML: the same Kubernetes scrape job a cluster
// Prometheus runs (kubernetes-scrape.yml, its relabelling unchanged), pointed at the local cluster
// from this machine, plus the file-discovered exporters the SLO tests start.
//   node tools/prometheus/local-config.mjs <rules dir> <file_sd dir> [kubeconfig]
// Locally the job reads the API with a kubeconfig (pods cannot: kwokctl's serving certificate
// lacks the API's Service IP), looks in every namespace (the tests' own included), and skips pods
// on kwok's simulated nodes, whose addresses nothing serves.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

const [rules, targets, kubeconfig] = process.argv.slice(2);
if (!rules || !targets) {
  console.error('usage: node tools/prometheus/local-config.mjs <rules dir> <file_sd dir> [kubeconfig]');
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const cluster = parse(readFileSync(join(here, 'kubernetes-scrape.yml'), 'utf8'));

const kubernetesJobs = kubeconfig
  ? cluster.scrape_configs.map((job) => ({
      ...job,
      kubernetes_sd_configs: job.kubernetes_sd_configs.map(({ namespaces, ...sd }) => ({
        ...sd,
        kubeconfig_file: kubeconfig,
        attach_metadata: { node: true },
      })),
      relabel_configs: [{ source_labels: ['__meta_kubernetes_node_label_type'], regex: 'kwok', action: 'drop' }, ...job.relabel_configs],
    }))
  : [];

process.stdout.write(
  stringify({
    global: { scrape_interval: '1s', evaluation_interval: '1s', scrape_timeout: '900ms' },
    rule_files: [join(rules, '*.yml')],
    scrape_configs: [...kubernetesJobs, { job_name: 'exporters', file_sd_configs: [{ files: [join(targets, '*.json')], refresh_interval: '1s' }] }],
  }),
);
