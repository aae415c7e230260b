/**
 * The JobSpec's fields as the contract declares them, read from the generated descriptor set (not a
 * hand-kept list): tests walk them so that a field added to job.proto and not carried through, or
 * defaulted a second time, fails a test.
 */
import { fromBinary, isFieldSet } from '@bufbuild/protobuf';
import {
  type DescriptorProto,
  FieldDescriptorProto_Label,
  FieldDescriptorProtoSchema,
  FileDescriptorSetSchema,
} from '@bufbuild/protobuf/wkt';
import { jobSpecDescriptorSet } from './gen/descriptors/job_spec.js';

/** One leaf field of the JobSpec: its snake_case path, ts-proto's camelCase name and its type. */
export interface SpecLeaf {
  /** `optimization.learning_rate`; a map or repeated field is a leaf (`labels`, `rollout.stop`). */
  path: string;
  /** The camelCase name of the last segment (`learningRate`), as ts-proto and JSON spell it. */
  jsonName: string;
  /** Inside a oneof (set one member, not all). */
  oneof: string | undefined;
}

function messages(): Map<string, DescriptorProto> {
  const set = fromBinary(FileDescriptorSetSchema, Buffer.from(jobSpecDescriptorSet, 'base64'));
  const byName = new Map<string, DescriptorProto>();
  for (const file of set.file) {
    const add = (prefix: string, m: DescriptorProto) => {
      byName.set(`${prefix}.${m.name}`, m);
      m.nestedType.forEach((n) => add(`${prefix}.${m.name}`, n));
    };
    file.messageType.forEach((m) => add(`.${file.package}`, m));
  }
  return byName;
}

/**
 * Every leaf of aepo.v1.JobSpec, depth first. `stopAt` names message types walked no deeper (their
 * field is a leaf), e.g. the recursive GraderSpec.
 */
export function jobSpecLeaves(stopAt: readonly string[] = ['.aepo.v1.GraderSpec']): SpecLeaf[] {
  const byName = messages();
  const out: SpecLeaf[] = [];
  const walk = (typeName: string, prefix: string) => {
    const m = byName.get(typeName);
    if (!m) throw new Error(`${typeName} missing from the descriptor set`);
    for (const f of m.field) {
      const path = prefix ? `${prefix}.${f.name}` : f.name;
      const isMap = byName.get(f.typeName)?.options?.mapEntry === true;
      const repeated = f.label === FieldDescriptorProto_Label.REPEATED;
      const inner = f.typeName !== '' && byName.has(f.typeName) && !isMap && !repeated;
      if (inner && !stopAt.includes(f.typeName)) walk(f.typeName, path);
      else {
        // proto3 `optional` is a synthetic oneof: only a real oneof counts.
        const inOneof = isFieldSet(f, FieldDescriptorProtoSchema.field.oneofIndex) && !f.proto3Optional;
        const oneof = inOneof ? m.oneofDecl[f.oneofIndex]?.name : undefined;
        out.push({ path, jsonName: f.jsonName, oneof });
      }
    }
  };
  walk('.aepo.v1.JobSpec', '');
  return out;
}
