/// <reference types="node" />
/**
 * The protocol's JSON Schema, loaded into ajv (draft 2020-12, strict mode), with failure messages
 * that name the frame a value was meant to be rather than every branch of a union.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import Ajv2020 from 'ajv/dist/2020'
import { SCHEMA_ID, type Defs, type SchemaNode } from './schemaShapes'

export const SCHEMA_PATH = fileURLToPath(new URL('../../schema/protocol-v1.schema.json', import.meta.url))

export interface ProtocolSchema {
  $id: string
  $defs: Defs
  [keyword: string]: unknown
}

export const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as ProtocolSchema

// Strict mode turns schema mistakes (unknown keywords, constraints without their type) into errors.
const ajv = new Ajv2020({ strict: true, allErrors: true })
ajv.addSchema(schema)

/** Whether `value` is a valid `name` (a def of the schema). */
export function isValid(name: string, value: unknown): boolean {
  // `=== true`: ajv types a validator as possibly async, which this schema never is.
  return validator(name)(value) === true
}

/** Whether `value` is a frame of the protocol, client or server (the schema's root). */
export function isFrame(value: unknown): boolean {
  return ajv.getSchema(SCHEMA_ID)!(value) === true
}

/** Why `value` is not a valid `name`, or `undefined` when it is. */
export function whyInvalid(name: string, value: unknown): string | undefined {
  const validate = validator(name)
  if (validate(value) === true) return undefined
  const narrower = narrowest(name, value)
  if (narrower !== name) return whyInvalid(narrower, value)
  return `not a valid ${name}: ${ajv.errorsText(validate.errors, { dataVar: name })}`
}

/**
 * The most specific def `value` is valid against, following unions down (a `ServerFrame` that is a
 * `ReplyFrame` that is an `OkReply` …), or `name` itself when no member fits.
 */
export function narrowest(name: string, value: unknown): string {
  const node = schema.$defs[name]
  const members = typeof node === 'object' ? ((node.oneOf ?? node.anyOf) as SchemaNode[] | undefined) : undefined
  if (!members) return name
  const names = members.flatMap((member) => (typeof member === 'object' && typeof member.$ref === 'string' ? [member.$ref.slice(SCHEMA_ID.length + 1)] : []))
  // Pick the member by its discriminating constants (`type`, `ok`) so a failure names the frame meant.
  const meant = names.filter((member) => constantsMatch(schema.$defs[member], value))
  const valid = meant.find((member) => isValid(member, value))
  if (valid) return narrowest(valid, value)
  return meant.length === 1 ? narrowest(meant[0]!, value) : name
}

function constantsMatch(node: SchemaNode | undefined, value: unknown): boolean {
  if (typeof node !== 'object' || typeof value !== 'object' || value === null) return true
  if (node.oneOf || node.anyOf) return true
  const properties = (node.properties ?? {}) as Record<string, SchemaNode>
  return Object.entries(properties).every(([key, property]) => typeof property !== 'object' || !('const' in property) || (value as Record<string, unknown>)[key] === property.const)
}

function validator(name: string) {
  const validate = ajv.getSchema(`${SCHEMA_ID}:${name}`)
  if (!validate) throw new Error(`The schema has no def ${name} (no $id ${SCHEMA_ID}:${name})`)
  return validate
}
