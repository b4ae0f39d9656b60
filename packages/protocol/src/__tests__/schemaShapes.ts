/**
 * Reduces the frame types of `frames.ts` (through the TypeScript compiler) and the `$defs` of the
 * JSON Schema to one comparable form, a {@link Shape}, and lists where the two disagree. Only what
 * both can say is compared: property names, optionality, primitive types, literal values, arrays,
 * unions and references to other named frames. Value limits (lengths, ranges, patterns) are the
 * schema's alone and are tested against the parser instead.
 */
import ts from 'typescript'

export type Literal = string | number | boolean
export type Shape =
  | { kind: 'unknown' | 'string' | 'number' | 'boolean' | 'null' }
  | { kind: 'literal'; values: Literal[] }
  | { kind: 'ref'; name: string }
  | { kind: 'array'; items: Shape }
  | { kind: 'object'; properties: Record<string, { optional: boolean; shape: Shape }> }
  | { kind: 'union'; members: Shape[] }

export type SchemaNode = boolean | { [keyword: string]: unknown }
export type Defs = Record<string, SchemaNode>

/** Every def's `$id` is this prefix plus its name. */
export const SCHEMA_ID = 'urn:lifeline:protocol:v1'

/** The exported types of `file`, each reduced to a shape; `sources` replaces file contents (for tests of this check). */
export function typeShapes(file: string, sources: Record<string, string> = {}): Map<string, Shape> {
  const options: ts.CompilerOptions = {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    noEmit: true,
    types: [],
  }
  const host = ts.createCompilerHost(options)
  const getSourceFile = host.getSourceFile.bind(host)
  host.getSourceFile = (name, language, ...rest) =>
    name in sources ? ts.createSourceFile(name, sources[name]!, language) : getSourceFile(name, language, ...rest)
  const program = ts.createProgram([file], options, host)
  const checker = program.getTypeChecker()
  const module = checker.getSymbolAtLocation(program.getSourceFile(file)!)!
  const exported = checker.getExportsOfModule(module).filter((symbol) => symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias))
  const named = new Set(exported.map((symbol) => symbol.name))

  const nameOf = (type: ts.Type): string | undefined => {
    const name = type.aliasSymbol?.name ?? (type.flags & ts.TypeFlags.Object ? type.getSymbol()?.name : undefined)
    return name !== undefined && named.has(name) ? name : undefined
  }
  const describe = (type: ts.Type, top = false): Shape => {
    const name = nameOf(type)
    if (!top && name) return { kind: 'ref', name }
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return { kind: 'unknown' }
    if (type.isUnion()) return unionOf(type.types.filter((member) => !(member.flags & ts.TypeFlags.Undefined)).map((member) => describe(member)))
    if (type.isStringLiteral() || type.isNumberLiteral()) return { kind: 'literal', values: [type.value] }
    if (type.flags & ts.TypeFlags.BooleanLiteral) return { kind: 'literal', values: [checker.typeToString(type) === 'true'] }
    if (type.flags & ts.TypeFlags.Null) return { kind: 'null' }
    if (type.flags & ts.TypeFlags.String) return { kind: 'string' }
    if (type.flags & ts.TypeFlags.Number) return { kind: 'number' }
    if (type.flags & ts.TypeFlags.Boolean) return { kind: 'boolean' }
    if (checker.isArrayType(type)) return { kind: 'array', items: describe(checker.getTypeArguments(type as ts.TypeReference)[0]!) }
    if (type.flags & ts.TypeFlags.Object) {
      const properties: Record<string, { optional: boolean; shape: Shape }> = {}
      for (const property of checker.getPropertiesOfType(type)) {
        properties[property.name] = { optional: (property.flags & ts.SymbolFlags.Optional) !== 0, shape: describe(checker.getTypeOfSymbol(property)) }
      }
      return { kind: 'object', properties }
    }
    throw new Error(`No shape for the TypeScript type ${checker.typeToString(type)}`)
  }
  return new Map(exported.map((symbol) => [symbol.name, describe(checker.getDeclaredTypeOfSymbol(symbol), true)]))
}

/** The shape of `defs[name]`; references to the defs in `named` stay references, others are expanded. */
export function schemaShape(defs: Defs, name: string, named: ReadonlySet<string>): Shape {
  const target = (node: { $ref?: unknown }): string => {
    const ref = String(node.$ref)
    if (!ref.startsWith(`${SCHEMA_ID}:`)) throw new Error(`Unexpected $ref ${ref}: refer to other defs by their $id`)
    const defName = ref.slice(SCHEMA_ID.length + 1)
    if (!(defName in defs)) throw new Error(`$ref to a missing def: ${ref}`)
    return defName
  }
  const isUnion = (node: SchemaNode) => typeof node === 'object' && !('type' in node) && ('oneOf' in node || 'anyOf' in node)
  const describe = (node: SchemaNode, top = false): Shape => {
    if (typeof node === 'boolean') return node ? { kind: 'unknown' } : { kind: 'union', members: [] }
    if ('$ref' in node) {
      const defName = target(node)
      return !top && named.has(defName) ? { kind: 'ref', name: defName } : describe(defs[defName]!)
    }
    if ('const' in node) return { kind: 'literal', values: [node.const as Literal] }
    if (Array.isArray(node.enum)) return unionOf(node.enum.map((value) => ({ kind: 'literal', values: [value as Literal] })))
    const members = (node.oneOf ?? node.anyOf) as SchemaNode[] | undefined
    if (members && !('type' in node)) {
      // A member that names a union def is flattened into this one, as TypeScript flattens `A | (B | C)`.
      return unionOf(members.map((member) => (typeof member === 'object' && '$ref' in member && isUnion(defs[target(member)]!) ? describe(defs[target(member)]!) : describe(member))))
    }
    if ('allOf' in node) throw new Error('allOf has no TypeScript counterpart here; describe the frame without it')
    switch (node.type) {
      case undefined:
        return { kind: 'unknown' }
      case 'string':
        return { kind: 'string' }
      case 'integer':
      case 'number':
        return { kind: 'number' }
      case 'boolean':
        return { kind: 'boolean' }
      case 'null':
        return { kind: 'null' }
      case 'array':
        return { kind: 'array', items: describe((node.items ?? true) as SchemaNode) }
      case 'object': {
        const required = new Set((node.required ?? []) as string[])
        const properties = (node.properties ?? {}) as Record<string, SchemaNode>
        return {
          kind: 'object',
          properties: Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, { optional: !required.has(key), shape: describe(value) }])),
        }
      }
      default:
        throw new Error(`No shape for the schema type ${JSON.stringify(node.type)}`)
    }
  }
  return describe(defs[name]!, true)
}

/** One union: nested unions flattened, literals merged, `true | false` read as boolean, members sorted. */
function unionOf(members: Shape[]): Shape {
  const flat = members.flatMap((member) => (member.kind === 'union' ? member.members : [member]))
  const literals = flat.flatMap((member) => (member.kind === 'literal' ? member.values : []))
  const others = flat.filter((member) => member.kind !== 'literal')
  const merged: Shape[] = [...others]
  if (literals.includes(true) && literals.includes(false)) merged.push({ kind: 'boolean' })
  const rest = literals.filter((value) => typeof value !== 'boolean' || !(literals.includes(true) && literals.includes(false)))
  if (rest.length > 0) merged.push({ kind: 'literal', values: [...new Set(rest)].sort() })
  const unique = [...new Map(merged.map((member) => [canonical(member), member])).values()].sort((a, b) => (canonical(a) < canonical(b) ? -1 : 1))
  return unique.length === 1 ? unique[0]! : { kind: 'union', members: unique }
}

/** A stable text of a shape, for comparing and sorting. */
export const canonical = (shape: Shape): string => JSON.stringify(shape, (_, value: unknown) => (value && typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1))) : value))

/** A short human description of a shape, for failure messages. */
export function summary(shape: Shape): string {
  switch (shape.kind) {
    case 'literal':
      return shape.values.map((value) => JSON.stringify(value)).join(' | ')
    case 'ref':
      return shape.name
    case 'array':
      return `${summary(shape.items)}[]`
    case 'object':
      return `{ ${Object.keys(shape.properties).join(', ')} }`
    case 'union':
      return shape.members.map(summary).join(' | ')
    default:
      return shape.kind
  }
}

/** Where the TypeScript shape and the schema shape disagree, one sentence per difference. */
export function differences(typeScript: Shape, schema: Shape, path: string): string[] {
  if (canonical(typeScript) === canonical(schema)) return []
  if (typeScript.kind === 'object' && schema.kind === 'object') {
    const keys = [...new Set([...Object.keys(typeScript.properties), ...Object.keys(schema.properties)])]
    return keys.flatMap((key) => {
      const inType = typeScript.properties[key]
      const inSchema = schema.properties[key]
      const at = `${path}.${key}`
      if (!inSchema) return [`${at}: in the TypeScript type, not in the schema`]
      if (!inType) return [`${at}: in the schema, not in the TypeScript type`]
      const optionality =
        inType.optional === inSchema.optional ? [] : [`${at}: ${inType.optional ? 'optional' : 'required'} in TypeScript, ${inSchema.optional ? 'optional' : 'required'} in the schema`]
      return [...optionality, ...differences(inType.shape, inSchema.shape, at)]
    })
  }
  if (typeScript.kind === 'array' && schema.kind === 'array') return differences(typeScript.items, schema.items, `${path}[]`)
  if (typeScript.kind === 'union' && schema.kind === 'union') {
    const unmatched = (members: Shape[], others: Shape[]) => members.filter((member) => !others.some((other) => canonical(other) === canonical(member)))
    const inType = unmatched(typeScript.members, schema.members)
    const inSchema = unmatched(schema.members, typeScript.members)
    // Object members with the same constant fields (`type`, `ok`) are the same frame: compare them field by field.
    const paired = inType.flatMap((member) => {
      const tag = constants(member)
      const other = tag && inSchema.find((candidate) => constants(candidate) === tag)
      return other ? [[member, other] as const] : []
    })
    const lone = (members: Shape[]) => members.filter((member) => !paired.some((pair) => pair.includes(member))).map(summary).join(', ')
    const typeOnly = lone(inType)
    const schemaOnly = lone(inSchema)
    return [
      ...paired.flatMap(([member, other]) => differences(member, other, `${path}<${constants(member)}>`)),
      ...(typeOnly ? [`${path}: ${typeOnly} in the TypeScript union, not in the schema's`] : []),
      ...(schemaOnly ? [`${path}: ${schemaOnly} in the schema's union, not in the TypeScript one`] : []),
    ]
  }
  return [`${path}: ${summary(typeScript)} in TypeScript, ${summary(schema)} in the schema`]
}

/** The constant fields of an object shape, as `type: "reply", ok: true`; `undefined` for other shapes or none. */
function constants(shape: Shape): string | undefined {
  if (shape.kind !== 'object') return undefined
  const fixed = Object.entries(shape.properties).flatMap(([key, { shape: value }]) => (value.kind === 'literal' && value.values.length === 1 ? [`${key}: ${JSON.stringify(value.values[0])}`] : []))
  return fixed.length > 0 ? fixed.join(', ') : undefined
}
