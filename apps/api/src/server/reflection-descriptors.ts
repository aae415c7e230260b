/**
 * File descriptors for server reflection, one per .proto file as protoc would write them: each file
 * with its own messages, enums and services, its imports as dependencies, fully-qualified type names,
 * map entries and proto3 `optional`; the well-known types (google/protobuf/*.proto) included.
 *
 * Why not proto-loader's: protobufjs merges every package into one synthetic file (`aepo_v1.proto`)
 * with no dependencies, so a client such as grpcurl cannot resolve `google.protobuf.Timestamp`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';

/** .proto files (relative to `includeDir`, as imports name them) to describe with their imports. */
export interface ProtoSource {
  includeDir: string;
  files: string[];
}

type Json = Record<string, unknown>;

const enum Label {
  OPTIONAL = 1,
  REPEATED = 3,
}

const SCALAR_TYPES: Record<string, number> = {
  double: 1,
  float: 2,
  int64: 3,
  uint64: 4,
  int32: 5,
  fixed64: 6,
  fixed32: 7,
  bool: 8,
  string: 9,
  bytes: 12,
  uint32: 13,
  sfixed32: 15,
  sfixed64: 16,
  sint32: 17,
  sint64: 18,
};
const MESSAGE = 11;
const ENUM = 14;
/** protobufjs writes an open-ended reserved range ("to max") with this upper bound. */
const MAX_FIELD_NUMBER = 0x1fffffff;

/** protoc's json_name: underscores dropped, the letter after each one upper-cased. */
function jsonName(name: string): string {
  return name.replace(/_+([a-zA-Z0-9])?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''));
}

/** protoc's name of a map field's entry message: `labels` -> `LabelsEntry`. */
function mapEntryName(field: string): string {
  const camel = jsonName(field);
  return `${camel.charAt(0).toUpperCase()}${camel.slice(1)}Entry`;
}

function typeOf(
  type: string,
  resolved: protobuf.ReflectionObject | null,
): { type: number; typeName?: string } {
  if (resolved instanceof protobuf.Type) return { type: MESSAGE, typeName: resolved.fullName };
  if (resolved instanceof protobuf.Enum) return { type: ENUM, typeName: resolved.fullName };
  const scalar = SCALAR_TYPES[type];
  if (scalar === undefined) throw new Error(`unresolved type ${type}`);
  return { type: scalar };
}

function reserved(ranges: (number[] | string)[] | undefined): { ranges: Json[]; names: string[] } {
  const out = { ranges: [] as Json[], names: [] as string[] };
  for (const r of ranges ?? []) {
    if (typeof r === 'string') out.names.push(r);
    else out.ranges.push({ start: r[0], end: Math.min(r[1]!, MAX_FIELD_NUMBER - 1) + 1 }); // end exclusive
  }
  return out;
}

function enumDescriptor(e: protobuf.Enum): Json {
  const { ranges, names } = reserved(e.reserved);
  return {
    name: e.name,
    value: Object.entries(e.values).map(([name, number]) => ({ name, number })),
    // Enum reserved ranges are inclusive at both ends, unlike message ones.
    reservedRange: ranges.map((r) => ({ start: r['start'], end: (r['end'] as number) - 1 })),
    reservedName: names,
  };
}

function messageDescriptor(type: protobuf.Type): Json {
  const nestedType: Json[] = [];
  const enumType: Json[] = [];
  // Real oneofs first, then the synthetic ones of proto3 `optional` fields, as protoc orders them.
  const isSynthetic = (o: protobuf.OneOf) =>
    o.fieldsArray.length === 1 && o.fieldsArray[0]!.options?.['proto3_optional'] === true;
  const oneofs = [
    ...type.oneofsArray.filter((o) => !isSynthetic(o)),
    ...type.oneofsArray.filter(isSynthetic),
  ];
  // protobufjs also lists, on an extended type (google.protobuf.FieldOptions), the extensions that
  // other files declare (`.buf.validate.field`); protoc's descriptor of the type has none of them.
  const field = type.fieldsArray
    .filter((f) => !f.declaringField)
    .map((f) => {
      f.resolve();
      const base: Json = { name: f.name, number: f.id, jsonName: jsonName(f.name) };
      if (f instanceof protobuf.MapField) {
        const entry = mapEntryName(f.name);
        nestedType.push({
          name: entry,
          field: [
            { name: 'key', number: 1, label: Label.OPTIONAL, jsonName: 'key', ...typeOf(f.keyType, null) },
            {
              name: 'value',
              number: 2,
              label: Label.OPTIONAL,
              jsonName: 'value',
              ...typeOf(f.type, f.resolvedType),
            },
          ],
          options: { mapEntry: true },
        });
        return { ...base, label: Label.REPEATED, type: MESSAGE, typeName: `${type.fullName}.${entry}` };
      }
      const out: Json = {
        ...base,
        label: f.repeated ? Label.REPEATED : Label.OPTIONAL,
        ...typeOf(f.type, f.resolvedType),
      };
      if (f.partOf) out['oneofIndex'] = oneofs.indexOf(f.partOf);
      if (f.options?.['proto3_optional'] === true) out['proto3Optional'] = true;
      return out;
    });
  for (const nested of type.nestedArray) {
    if (nested instanceof protobuf.Type) nestedType.push(messageDescriptor(nested));
    else if (nested instanceof protobuf.Enum) enumType.push(enumDescriptor(nested));
  }
  const { ranges, names } = reserved(type.reserved);
  return {
    name: type.name,
    field,
    nestedType,
    enumType,
    oneofDecl: oneofs.map((o) => ({ name: o.name })),
    reservedRange: ranges,
    reservedName: names,
  };
}

function serviceDescriptor(service: protobuf.Service): Json {
  return {
    name: service.name,
    method: service.methodsArray.map((m) => {
      m.resolve();
      return {
        name: m.name,
        inputType: m.resolvedRequestType!.fullName,
        outputType: m.resolvedResponseType!.fullName,
        clientStreaming: m.requestStream === true,
        serverStreaming: m.responseStream === true,
      };
    }),
  };
}

/** What a .proto file declares: its package, imports and top-level names. */
interface FileOutline {
  name: string;
  package: string;
  imports: string[];
  topLevel: string[];
}

/**
 * Imports used only for options, which these descriptors do not carry: left out of the dependencies
 * (buf/validate is proto2 with extensions, google/api/field_behavior declares one; a descriptor
 * without options needs neither).
 */
const OPTION_ONLY_IMPORTS = new Set(['buf/validate/validate.proto', 'google/api/field_behavior.proto']);

function outlineOfSource(name: string, source: string): FileOutline {
  if (!/^\s*syntax\s*=\s*["']proto3["']/m.test(source))
    throw new Error(`${name}: only proto3 files are described`);
  const parsed = protobuf.parse(source, new protobuf.Root(), { keepCase: true });
  const pkg = parsed.package ?? '';
  const ns = pkg ? parsed.root.lookup(pkg) : parsed.root;
  return {
    name,
    package: pkg,
    imports: [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])].filter(
      (i) => !OPTION_ONLY_IMPORTS.has(i),
    ),
    topLevel: ns instanceof protobuf.Namespace ? ns.nestedArray.map((o) => o.name) : [],
  };
}

/** A well-known type file, from the copy bundled with protobufjs (they import nothing). */
function outlineOfBundled(name: string): FileOutline {
  const json = protobuf.common.get(name) as { nested?: Json } | null;
  if (!json) throw new Error(`${name}: not found`);
  let ns: { nested?: Json } = json;
  const pkg: string[] = [];
  // Down the single-child chain of namespaces (google -> protobuf) to the file's declarations.
  for (;;) {
    const keys = Object.keys(ns.nested ?? {});
    const only = keys.length === 1 ? (ns.nested![keys[0]!] as Json) : undefined;
    if (!only || 'fields' in only || 'values' in only || 'methods' in only) break;
    pkg.push(keys[0]!);
    ns = only as { nested?: Json };
  }
  return { name, package: pkg.join('.'), imports: [], topLevel: Object.keys(ns.nested ?? {}) };
}

/** The encoded FileDescriptorProto of every file in `sources` and of everything they import. */
export function fileDescriptorProtos(sources: ProtoSource[]): Buffer[] {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    if (path.isAbsolute(target)) return target;
    for (const s of sources) {
      const candidate = path.join(s.includeDir, target);
      if (existsSync(candidate)) return candidate;
    }
    return target; // a well-known type: protobufjs has them bundled
  };
  const outlines = new Map<string, FileOutline>();
  const visit = (name: string) => {
    if (outlines.has(name)) return;
    const file = root.resolvePath('', name) ?? name;
    const outline =
      file === name ? outlineOfBundled(name) : outlineOfSource(name, readFileSync(file, 'utf8'));
    outlines.set(name, outline);
    outline.imports.forEach(visit);
  };
  for (const s of sources) {
    root.loadSync(
      s.files.map((f) => path.join(s.includeDir, f)),
      { keepCase: true },
    );
    s.files.forEach(visit);
  }
  root.resolveAll();

  return [...outlines.values()].map((o) => {
    const declared = o.topLevel.map((n) => root.lookup(o.package ? `${o.package}.${n}` : n));
    const file = {
      name: o.name,
      package: o.package,
      dependency: o.imports,
      messageType: declared.filter((d) => d instanceof protobuf.Type).map((t) => messageDescriptor(t)),
      enumType: declared.filter((d) => d instanceof protobuf.Enum).map((e) => enumDescriptor(e)),
      service: declared.filter((d) => d instanceof protobuf.Service).map((s) => serviceDescriptor(s)),
      syntax: 'proto3',
    };
    const message = descriptor.FileDescriptorProto.fromObject(file);
    return Buffer.from(descriptor.FileDescriptorProto.encode(message).finish());
  });
}
