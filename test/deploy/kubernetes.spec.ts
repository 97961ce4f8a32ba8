import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { serviceProblems } from '../../libs/core/src/config/config';
import { configSchema } from '../../libs/core/src/config/config.schema';

/**
 * The Kubernetes manifests, checked offline: no cluster (and so no `kubectl apply --dry-run`, which needs an API
 * server) is reachable here. Each object is validated against the Kubernetes OpenAPI schema shipped in the
 * `kubernetes-models` package (types, required fields, enums; unknown fields are not caught), then against what
 * Consilium needs. The base files are checked as written; when kubectl is installed, the output of
 * `kubectl kustomize` for the base and every overlay is checked the same way.
 */
const root = path.resolve(__dirname, '../..');
const k8s = path.join(root, 'deploy/k8s');

/* eslint-disable @typescript-eslint/no-explicit-any -- the manifests are parsed YAML, read deeply by the assertions; kubernetes-models validates their shape (MODELS) */
type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
} & Record<string, any>;

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'batch/v1/Job': Job,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
};
/** The Secrets the operator creates (deploy/README.md) and which keys each holds. */
const SECRETS: Record<string, string[]> = {
  'consilium-database': ['DATABASE_URL', 'DATABASE_OPERATOR_URL', 'DATABASE_DIRECT_URL'],
  'consilium-database-owner': ['DATABASE_OWNER_URL'],
  'consilium-app': ['APP_SECRET', 'FILES_MASTER_KEY', 'METRICS_TOKEN'],
  'consilium-stripe': ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'],
};

interface Rendering {
  name: string;
  objects: Obj[];
  /** The image every workload must use: the kustomization's name as written, or newName:newTag once rendered. */
  image: string;
}

/** The base's files as written, its generated ConfigMap included (without the hash suffix kustomize adds). */
function baseAsWritten(): Rendering {
  const kustomization = parse(readFileSync(path.join(k8s, 'base/kustomization.yaml'), 'utf8'));
  const objects: Obj[] = [];
  for (const file of kustomization.resources as string[]) {
    for (const doc of parseAllDocuments(readFileSync(path.join(k8s, 'base', file), 'utf8'))) objects.push(doc.toJS() as Obj);
  }
  for (const gen of kustomization.configMapGenerator ?? []) {
    const data = Object.fromEntries((gen.literals as string[]).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: gen.name }, data });
  }
  return { name: 'base as written', objects, image: kustomization.images[0].name };
}

function rendered(dir: string): Rendering {
  const run = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${run.stderr}`);
  const kustomization = parse(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8'));
  const image = kustomization.images[0];
  return {
    name: `kubectl kustomize ${path.relative(root, dir)}`,
    objects: parseAllDocuments(run.stdout).map((d) => d.toJS() as Obj),
    image: `${image.newName}:${image.newTag}`,
  };
}

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
const renderings: Rendering[] = [baseAsWritten()];
if (kubectl) {
  renderings.push(rendered(path.join(k8s, 'base')));
  for (const overlay of readdirSync(path.join(k8s, 'overlays'))) renderings.push(rendered(path.join(k8s, 'overlays', overlay)));
} else {
  console.warn('kubernetes manifests: kubectl is not installed, so overlays are not rendered; only the base files are checked');
}

const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);
const podSpec = (o: Obj) => o.spec.template.spec;
/** Whether a NetworkPolicy applies to pods with these labels (matchLabels and matchExpressions with `In`). */
const selects = (np: Obj, labels: Record<string, string>) =>
  matches(np.spec.podSelector.matchLabels ?? {}, labels) &&
  (np.spec.podSelector.matchExpressions ?? []).every((e: any) => e.values.includes(labels[e.key]));
const containers = (o: Obj): any[] => podSpec(o).containers;

describe.each(renderings)('Kubernetes manifests: $name', ({ objects, image }) => {
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  const named = (kind: string, name: string) => of(kind).find((o) => o.metadata.name === name || o.metadata.name.startsWith(`${name}-`));
  const workloads = [...of('Deployment'), ...of('Job')];
  const platform = named('Deployment', 'consilium-platform')!;
  const config = of('ConfigMap')[0];

  it('holds only known kinds, each with a name, each valid against the Kubernetes schema', () => {
    for (const o of objects) {
      expect(o.metadata?.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      const Model = MODELS[`${o.apiVersion}/${o.kind}`];
      expect(`${o.apiVersion}/${o.kind} ${Model ? 'known' : 'unknown'}`).toBe(`${o.apiVersion}/${o.kind} known`);
      expect(() => new Model(o).validate()).not.toThrow();
    }
    expect(of('Secret')).toEqual([]);
  });

  it('selects, in every Deployment, exactly the pods its template labels', () => {
    for (const d of of('Deployment')) expect(matches(d.spec.selector.matchLabels, d.spec.template.metadata.labels)).toBe(true);
  });

  it('wires the platform probes to /health/live and /health/ready on the container port', () => {
    const [c] = containers(platform);
    const port = c.ports.find((p: { containerPort: number }) => p.containerPort === 3000);
    expect(port).toBeDefined();
    expect(c.livenessProbe.httpGet).toEqual({ path: '/health/live', port: port.name });
    expect(c.startupProbe.httpGet).toEqual({ path: '/health/live', port: port.name });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: port.name });
  });

  it('probes the worker on its WORKER_PORT listener: liveness never depends on the database, readiness on its job loops', () => {
    const worker = named('Deployment', 'consilium-worker')!;
    const [c] = containers(worker);
    const port = c.ports.find((p: { containerPort: number }) => p.containerPort === Number(config.data.WORKER_PORT));
    expect(port).toBeDefined();
    expect(c.startupProbe.httpGet).toEqual({ path: '/health/live', port: port.name });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/health/live', port: port.name });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: port.name });
    // Liveness never fails for the database (test/e2e/faults.e2e-spec.ts); a wedged process is restarted within 30 s.
    expect(c.livenessProbe.periodSeconds * c.livenessProbe.failureThreshold).toBeLessThanOrEqual(30);
    // Prometheus (the monitoring namespace) may reach that port, and nothing else may reach the worker.
    const policies = of('NetworkPolicy').filter((np) => selects(np, worker.spec.template.metadata.labels));
    expect(policies).toHaveLength(1);
    expect(policies[0].spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ port: port.name }] },
    ]);
  });

  it('drains before it stops: preStop sleep, then SHUTDOWN_DRAIN_MS, all inside the grace period', () => {
    const [c] = containers(platform);
    const preStop = Number(c.lifecycle.preStop.exec.command[1]);
    expect(c.lifecycle.preStop.exec.command[0]).toBe('/bin/sleep');
    expect(preStop).toBeGreaterThanOrEqual(3);
    const drain = Number(config.data.SHUTDOWN_DRAIN_MS) / 1000;
    expect(podSpec(platform).terminationGracePeriodSeconds).toBeGreaterThan(preStop + drain + 10);
    expect(platform.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
  });

  it('runs every container unprivileged on a read-only root, with /tmp, resources and the parameterised image', () => {
    for (const w of workloads) {
      const pod = podSpec(w);
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const c of pod.containers) {
        expect(c.image).toBe(image);
        expect(c.image).not.toMatch(/:latest$/);
        expect(c.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(c.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
        expect(c.resources.limits.memory).toBeDefined();
        const tmp = c.volumeMounts.find((m: { mountPath: string }) => m.mountPath === '/tmp');
        expect(pod.volumes.find((v: { name: string }) => v.name === tmp.name).emptyDir).toBeDefined();
      }
    }
    expect(
      podSpec(platform).topologySpreadConstraints.every((t: any) =>
        matches(t.labelSelector.matchLabels, platform.spec.template.metadata.labels),
      ),
    ).toBe(true);
  });

  it('gives no replica anything of its own to keep: no volume but scratch /tmp, so any pod may take any upload chunk', () => {
    for (const w of workloads) {
      const pod = podSpec(w);
      // Unfinished resumable uploads are staged in S3 with their progress in PostgreSQL: nothing on a pod's disk
      // may matter once the pod is gone (no persistent volume, no host path, no /app/.data).
      expect((pod.volumes ?? []).filter((v: Record<string, unknown>) => !v.emptyDir)).toEqual([]);
      for (const c of pod.containers) {
        expect(c.volumeMounts.map((m: { mountPath: string }) => m.mountPath)).toEqual(['/tmp']);
      }
    }
  });

  it('takes secrets only by reference, to the Secrets the operator creates, and settings the platform knows', () => {
    const known = new Set(Object.keys(configSchema.shape));
    for (const key of Object.keys(config.data)) expect(`${key} ${known.has(key) ? 'known' : 'unknown'}`).toBe(`${key} known`);
    for (const w of workloads) {
      for (const c of podSpec(w).containers) {
        for (const ref of c.envFrom ?? []) {
          expect(ref.secretRef).toBeUndefined(); // secrets key by key, so each pod gets only what it needs
          expect(of('ConfigMap').map((m) => m.metadata.name)).toContain(ref.configMapRef.name);
        }
        for (const e of c.env ?? []) {
          expect(`${e.name} ${known.has(e.name) ? 'known' : 'unknown'}`).toBe(`${e.name} known`);
          expect(e.value).toBeUndefined();
          expect(SECRETS[e.valueFrom.secretKeyRef.name]).toContain(e.valueFrom.secretKeyRef.key);
          expect(e.valueFrom.secretKeyRef.key).toBe(e.name);
        }
      }
    }
    const text = JSON.stringify(objects);
    expect(text).not.toMatch(/[a-z]+:\/\/[^/\s:@"]+:[^/\s@"]+@/);
    for (const [key, value] of Object.entries(config.data as Record<string, string>))
      expect(`${key}=${value}`).not.toMatch(/(SECRET|TOKEN|PASSWORD|_URL)=/);
  });

  it('gives the platform and the worker every setting of the real payment, email and record services (no stand-in in production)', () => {
    for (const d of of('Deployment')) {
      const [c] = containers(d);
      // What the pod's environment holds: the ConfigMap's values, and a value for each Secret key it references.
      const env: Record<string, string> = { ...(config.data as Record<string, string>) };
      for (const e of c.env ?? []) env[e.name] = 'from a Secret';
      expect(`${d.metadata.name}: ${serviceProblems(env).join('; ')}`).toBe(`${d.metadata.name}: `);
      expect(env).toMatchObject({
        NODE_ENV: 'production',
        PAYMENTS_PROVIDER: 'stripe',
        EMAIL_TRANSPORT: 'ses',
        RECORDS_STORAGE: 's3',
        SMS_TRANSPORT: 'pinpoint',
      });
    }
  });

  it('runs migrations as a Job with the owner URL, which nothing else can read', () => {
    const job = named('Job', 'consilium-migrate')!;
    const [c] = containers(job);
    expect(c.args).toEqual(['cli', 'migrate']);
    expect(podSpec(job).restartPolicy).toBe('Never');
    expect(job.spec.backoffLimit).toBeGreaterThan(0);
    const owner = c.env.find((e: { name: string }) => e.name === 'DATABASE_OWNER_URL');
    expect(owner.valueFrom.secretKeyRef).toEqual({ name: 'consilium-database-owner', key: 'DATABASE_OWNER_URL' });
    for (const d of of('Deployment')) expect(JSON.stringify(d)).not.toContain('consilium-database-owner');
  });

  it('routes the Service and Ingress to the platform pods: wildcard platform domain, custom domains, TLS for each', () => {
    const service = named('Service', 'consilium-platform')!;
    expect(matches(service.spec.selector, platform.spec.template.metadata.labels)).toBe(true);
    expect(containers(platform)[0].ports.map((p: { name: string }) => p.name)).toContain(service.spec.ports[0].targetPort);
    const ingress = of('Ingress')[0];
    const hosts: string[] = ingress.spec.rules.map((r: { host: string }) => r.host);
    expect(hosts.some((h) => h.startsWith('*.'))).toBe(true);
    expect(hosts.some((h) => !h.startsWith('*.'))).toBe(true);
    const tlsHosts = ingress.spec.tls.flatMap((t: { hosts: string[] }) => t.hosts);
    for (const host of hosts) expect(tlsHosts).toContain(host);
    expect(ingress.metadata.annotations?.['cert-manager.io/cluster-issuer']).toBeTruthy();
    for (const rule of ingress.spec.rules) {
      for (const p of rule.http.paths) {
        expect(p.backend.service.name).toBe(service.metadata.name);
        expect(service.spec.ports.map((x: { name: string }) => x.name)).toContain(p.backend.service.port.name);
      }
    }
  });

  it('points every autoscaler, disruption budget and network policy at workloads that exist', () => {
    for (const hpa of of('HorizontalPodAutoscaler')) {
      expect(named(hpa.spec.scaleTargetRef.kind, hpa.spec.scaleTargetRef.name)).toBeDefined();
      expect(hpa.spec.metrics[0].resource.name).toBe('cpu');
    }
    const platformHpa = of('HorizontalPodAutoscaler').find((h) => h.spec.scaleTargetRef.name === 'consilium-platform')!;
    expect(platformHpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    for (const pdb of of('PodDisruptionBudget')) {
      expect(of('Deployment').some((d) => matches(pdb.spec.selector.matchLabels, d.spec.template.metadata.labels))).toBe(true);
    }
    for (const np of of('NetworkPolicy')) expect(workloads.some((w) => selects(np, w.spec.template.metadata.labels))).toBe(true);
  });
});
