import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { describe, expect, it } from 'vitest';
import { fileDescriptorProtos } from './reflection-descriptors.js';
import { reflectionPackageDefinition } from './grpc-definitions.js';

interface Field {
  name: string;
  number: number;
  label: number;
  type: number;
  typeName?: string;
  jsonName?: string;
  oneofIndex?: number;
  proto3Optional?: boolean;
}
interface Message {
  name: string;
  field: Field[];
  nestedType: Message[];
  oneofDecl: { name: string }[];
  options?: { mapEntry?: boolean };
  reservedRange: { start: number; end: number }[];
  reservedName: string[];
}
interface File {
  name: string;
  package: string;
  dependency: string[];
  messageType: Message[];
  enumType: { name: string }[];
  service: { name: string; method: { name: string; inputType: string; outputType: string }[] }[];
  syntax: string;
}

const decode = (b: Uint8Array) =>
  descriptor.FileDescriptorProto.toObject(descriptor.FileDescriptorProto.decode(b), {
    arrays: true,
  }) as unknown as File;

describe('fileDescriptorProtos', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'reflection-descriptors-'));
  writeFileSync(
    path.join(dir, 'a.proto'),
    `syntax = "proto3";
package t.v1;
import "google/protobuf/timestamp.proto";
import "b.proto";
message Thing {
  reserved 4, 9 to 11;
  reserved "old_name";
  oneof choice { string text_value = 1; Other other = 2; }
  optional double tolerance = 3;
  map<string, Other> by_key_name = 5;
  repeated google.protobuf.Timestamp times = 6;
  Kind kind = 7;
  message Inner { int64 n = 1; }
  Inner inner = 8;
}
service Things { rpc Get(Thing) returns (stream Other); }`,
  );
  writeFileSync(
    path.join(dir, 'b.proto'),
    'syntax = "proto3";\npackage t.v1;\nmessage Other { bytes blob = 1; }\nenum Kind { KIND_UNSPECIFIED = 0; KIND_A = 1; }\n',
  );
  const files = fileDescriptorProtos([{ includeDir: dir, files: ['a.proto'] }]).map(decode);
  const byName = new Map(files.map((f) => [f.name, f]));

  it('writes one file per .proto with its imports, well-known types included', () => {
    expect([...byName.keys()].sort()).toEqual(['a.proto', 'b.proto', 'google/protobuf/timestamp.proto']);
    expect(byName.get('a.proto')!.dependency).toEqual(['google/protobuf/timestamp.proto', 'b.proto']);
    expect(byName.get('b.proto')!.messageType.map((m) => m.name)).toEqual(['Other']);
    expect(byName.get('b.proto')!.enumType.map((e) => e.name)).toEqual(['Kind']);
    const ts = byName.get('google/protobuf/timestamp.proto')!;
    expect(ts.package).toBe('google.protobuf');
    expect(ts.messageType[0]!.field.map((f) => f.name)).toEqual(['seconds', 'nanos']);
  });

  it('describes fields as protoc does: full type names, json names, map entries, oneofs, proto3 optional', () => {
    const a = byName.get('a.proto')!;
    expect(a.syntax).toBe('proto3');
    const thing = a.messageType[0]!;
    const f = Object.fromEntries(thing.field.map((x) => [x.name, x]));
    expect(f['other']).toMatchObject({ type: 11, typeName: '.t.v1.Other', oneofIndex: 0, jsonName: 'other' });
    expect(f['text_value']).toMatchObject({ type: 9, oneofIndex: 0, jsonName: 'textValue' });
    expect(f['tolerance']).toMatchObject({ type: 1, oneofIndex: 1, proto3Optional: true });
    expect(thing.oneofDecl.map((o) => o.name)).toEqual(['choice', '_tolerance']); // synthetic one last
    expect(f['times']).toMatchObject({ label: 3, type: 11, typeName: '.google.protobuf.Timestamp' });
    expect(f['kind']).toMatchObject({ type: 14, typeName: '.t.v1.Kind' });
    expect(f['inner']).toMatchObject({ typeName: '.t.v1.Thing.Inner' });
    expect(f['by_key_name']).toMatchObject({ label: 3, type: 11, typeName: '.t.v1.Thing.ByKeyNameEntry' });
    const entry = thing.nestedType.find((m) => m.name === 'ByKeyNameEntry')!;
    expect(entry.options?.mapEntry).toBe(true);
    expect(entry.field.map((x) => [x.name, x.number, x.type, x.typeName])).toEqual([
      ['key', 1, 9, undefined],
      ['value', 2, 11, '.t.v1.Other'],
    ]);
    expect(thing.reservedRange).toEqual([
      { start: 4, end: 5 },
      { start: 9, end: 12 },
    ]);
    expect(thing.reservedName).toEqual(['old_name']);
    expect(a.service[0]!.method[0]).toMatchObject({
      name: 'Get',
      inputType: '.t.v1.Thing',
      outputType: '.t.v1.Other',
    });
  });

  it("the server's set is closed: every dependency is in it, and it has the health service", () => {
    const served = reflectionPackageDefinition()['aepo.reflection'] as unknown as {
      fileDescriptorProtos: Buffer[];
    };
    const all = served.fileDescriptorProtos.map(decode);
    const names = new Set(all.map((f) => f.name));
    for (const f of all) for (const d of f.dependency) expect(names, `${f.name} imports ${d}`).toContain(d);
    const services = all.flatMap((f) => f.service.map((s) => `${f.package}.${s.name}`));
    expect(services.sort()).toEqual([
      'aepo.executor.v1.ExecutorService',
      'aepo.v1.AdminService',
      'aepo.v1.FineTuningService',
      'aepo.v1.WebhookService',
      'grpc.health.v1.Health',
    ]);
  });
});
