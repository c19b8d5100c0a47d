// The configuration layer's public face: load and check dcv.conf (or a .reg export), the typed config
// and its defaults, the key table, the semantic diff, and writers. Pure: no I/O, no Node modules.
export { formatDiagnostic, hasErrors, type ConfigDiagnostic } from './diagnostic.js';
export { defaultConfig, buildConfig, type DcvConfig, type DcvSettings } from './dcv-config.js';
export {
  loadDcvConf,
  loadRegExport,
  loadConfigFile,
  loadRawDocument,
  NO_EFFECT,
  type LoadedConfig,
  type ConfigEntry,
} from './load.js';
export {
  dcvSchema,
  keySpec,
  isSectionName,
  licenseFileEntries,
  unmodelledSections,
  type DcvSchema,
  type SectionName,
} from './schema.js';
export type {
  KeySpec,
  AnyKeySpec,
  Reload,
  ValueType,
  HeadLayout,
  Resolution,
  HttpHeader,
} from './key-spec.js';
export { diffConfigs, formatChange, canonicalValue, type ConfigDiff, type ConfigChange } from './diff.js';
export {
  parseRegExport,
  writeRegExport,
  looksLikeRegExport,
  decodeRegText,
  DCV_REGISTRY_ROOT,
} from './reg-file.js';
export { entriesFromSettings, writeDcvConf, writeRegExportFromEntries } from './serialize.js';
export { setKeyInText } from './edit.js';
export { parseKeyFile, type KeyFile, type KeyFileGroup, type KeyFileEntry } from './key-file.js';
export { parseGVariant, printGVariant, quoteGVariantString, type GVariantValue } from './gvariant.js';
export { decodeText, decodeDword, encodeGVariant, encodeRegistry, type RawValue } from './value-codec.js';
