import { z } from 'zod';

const digestString = z.string().regex(/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, 'invalid digest');
const size = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const stringMap = z.record(z.string(), z.string());

export const platformSchema = z.looseObject({
  architecture: z.string(),
  os: z.string(),
  variant: z.string().optional(),
  'os.version': z.string().optional(),
  'os.features': z.array(z.string()).optional(),
});

export const descriptorSchema = z.looseObject({
  mediaType: z.string(),
  digest: digestString,
  size,
  urls: z.array(z.string()).optional(),
  annotations: stringMap.optional(),
  platform: platformSchema.optional(),
  artifactType: z.string().optional(),
});

/** OCI image manifest or Docker schema 2 manifest (same shape). */
export const manifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema).max(1000),
  subject: descriptorSchema.optional(),
  annotations: stringMap.optional(),
});
export type Manifest = z.infer<typeof manifestSchema>;

/** OCI image index or Docker manifest list. */
export const indexSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(descriptorSchema),
  annotations: stringMap.optional(),
});
export type ImageIndex = z.infer<typeof indexSchema>;

const nullableStrings = z.array(z.string()).nullable().optional();

/** The runtime part of an image config (`config`); unknown fields are kept. */
export const containerConfigSchema = z.looseObject({
  User: z.string().optional(),
  ExposedPorts: z.record(z.string(), z.object({})).nullable().optional(),
  Env: nullableStrings,
  Entrypoint: nullableStrings,
  Cmd: nullableStrings,
  Volumes: z.record(z.string(), z.object({})).nullable().optional(),
  WorkingDir: z.string().optional(),
  Labels: z.record(z.string(), z.string()).nullable().optional(),
  StopSignal: z.string().optional(),
  OnBuild: nullableStrings,
  Shell: nullableStrings,
});

export const historySchema = z.looseObject({
  created: z.string().optional(),
  created_by: z.string().optional(),
  author: z.string().optional(),
  comment: z.string().optional(),
  empty_layer: z.boolean().optional(),
});
export type HistoryItem = z.infer<typeof historySchema>;

/** An image config (OCI or Docker's superset). */
export const imageConfigSchema = z.looseObject({
  created: z.string().optional(),
  author: z.string().optional(),
  architecture: z.string(),
  os: z.string(),
  variant: z.string().optional(),
  'os.version': z.string().optional(),
  config: containerConfigSchema.nullable().optional(),
  container_config: z.looseObject({}).nullable().optional(),
  container: z.string().optional(),
  docker_version: z.string().optional(),
  comment: z.string().optional(),
  parent: z.string().optional(),
  rootfs: z.object({ type: z.literal('layers'), diff_ids: z.array(digestString).max(1000) }),
  history: z.array(historySchema).optional(),
});
export type ImageConfig = z.infer<typeof imageConfigSchema>;

/** One entry of a `docker save` archive's manifest.json. */
export const archiveManifestEntrySchema = z.looseObject({
  Config: z.string(),
  RepoTags: z.array(z.string()).nullable().optional(),
  Layers: z.array(z.string()).max(1000),
  Parent: z.string().optional(),
  LayerSources: z.record(z.string(), descriptorSchema).optional(),
});
export const archiveManifestSchema = z.array(archiveManifestEntrySchema).max(10000);
export type ArchiveManifestEntry = z.infer<typeof archiveManifestEntrySchema>;

/** The `repositories` file of legacy archives: name -> tag -> v1 id. */
export const repositoriesSchema = z.record(z.string(), z.record(z.string(), z.string()));
