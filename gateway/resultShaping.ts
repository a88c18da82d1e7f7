import {
  isCompositeType,
  isCustomScalarType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isSubtype,
  typenameFieldName,
  Variable,
  type CompositeType,
  type Directive,
  type Operation,
  type OperationElement,
  type Schema,
  type SelectionSet,
  type Type,
} from '@apollo/federation-internals';
// The module's own exports object, which executeQueryPlan reads on every call; an ES
// namespace import is a copy with getters (tsx), which cannot be written.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import apolloShaping = require('@apollo/gateway/dist/resultShaping');

/*
 * The gateway's answer shaping, compiled per request. After the plan's fetches, Apollo
 * Gateway walks the client's operation over the merged data (`computeResponse`): aliases,
 * `@skip`/`@include`, fragments by `__typename`, leaf checks, nulls bubbling up. Its walk
 * re-reads the operation's directives and types at every field of every row; on a
 * 1000-row page that is 40,000 fields and 41–49 ms of a 170 ms page (README, The gateway's
 * answer shaping). Here the operation is compiled once per request into a plain plan (directives
 * decided by the request's variables, each field's type reduced to what the walk needs),
 * and the plan runs over the rows.
 *
 * It only takes the clean path. Anything Apollo would answer with an error or a null it
 * made up — a null in a non-null field, an invalid leaf, an unknown `__typename`, a list
 * that is not one — and any operation with introspection fields or a response name that
 * `Object.prototype` holds, goes to Apollo's own `computeResponse` over the same input
 * (the walk never changes its input), so answers and errors are Apollo's, byte for byte
 * (test/unit/gateway/resultShapingProperty.test.ts and
 * test/integration/gateway/resultShaping.test.ts compare the two).
 *
 * Apollo Gateway has no seam for this: `executeQueryPlan` calls `computeResponse` through
 * its module's exports, so `installResultShaping` replaces that export, once per process.
 * The installed function checks the mode on every call, so `apollo` (CELLS_GATEWAY_RESULT_SHAPING)
 * turns it back to Apollo's walk; the mode and the counts are the process's, shared by
 * every gateway in it.
 */

export const RESULT_SHAPINGS = ['compiled', 'apollo'] as const;
export type ResultShaping = (typeof RESULT_SHAPINGS)[number];

type ComputeResponse = typeof apolloShaping.computeResponse;
type ShapingArgs = Parameters<ComputeResponse>[0];

const apolloComputeResponse: ComputeResponse = apolloShaping.computeResponse;

/** How this process's answers were shaped, for /metrics. */
export const resultShapingCounts = { compiled: 0, apollo: 0 };

let mode: ResultShaping = 'compiled';

/** Put the compiled shaping in Apollo Gateway's place (idempotent) and set the process's mode. */
export function installResultShaping(next: ResultShaping): void {
  mode = next;
  const exported = apolloShaping as { computeResponse: ComputeResponse };
  if (exported.computeResponse !== shapeResponse) exported.computeResponse = shapeResponse;
}

/** Whether Apollo Gateway's executor now calls the compiled shaping. */
export function resultShapingInstalled(): boolean {
  return apolloShaping.computeResponse === shapeResponse;
}

/** Apollo's `computeResponse`, compiled where the answer is clean. */
export function shapeResponse(args: ShapingArgs): ReturnType<ComputeResponse> {
  if (mode === 'compiled' && args.input) {
    const data = shapeCompiled(args.operation, args.variables, args.input);
    if (data !== undefined) {
      resultShapingCounts.compiled++;
      return { data, errors: [] };
    }
  }
  resultShapingCounts.apollo++;
  return apolloComputeResponse(args);
}

/** Apollo's own walk, for comparison (tests, the bench). */
export function apolloResponse(args: ShapingArgs): ReturnType<ComputeResponse> {
  return apolloComputeResponse(args);
}

/**
 * The shaped data, or undefined when this answer needs Apollo's walk (an error, a made-up
 * null, introspection, an unusual operation).
 */
export function shapeCompiled(
  operation: Operation,
  variables: Record<string, unknown> | undefined,
  input: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const schema = operation.schema();
  const compiler = new Compiler(schema, {
    ...operation.collectDefaultedVariableValues(),
    ...variables,
  });
  const plan = compiler.selectionSet(operation.selectionSet);
  if (plan === undefined) return undefined;
  const output: Record<string, unknown> = {};
  try {
    applySet(schema, input, plan, output, schema.schemaDefinition.rootType(operation.rootKind)!);
  } catch (error) {
    if (error === APOLLO) return undefined;
    throw error;
  }
  return output;
}

/** Thrown out of the walk: this answer is Apollo's to shape. */
const APOLLO = Symbol('apollo');

/** A value's type, reduced to what the walk checks. */
interface TypePlan {
  nonNull: boolean;
  list?: TypePlan;
  composite?: CompositeType;
  leaf?: (value: unknown) => boolean;
}

interface FieldPlan {
  fragment: false;
  name: string;
  typename: boolean;
  type: TypePlan;
  set: SetPlan | undefined;
}

interface FragmentPlan {
  fragment: true;
  condition: CompositeType | undefined;
  set: SetPlan;
  /** Whether the condition applies, by `__typename`, decided once per request. */
  byTypename: Map<string, boolean>;
  /** The same for objects without a `__typename`, by the type the walk expects there. */
  byParent: Map<CompositeType, boolean>;
}

type SetPlan = (FieldPlan | FragmentPlan)[];

class Compiler {
  private readonly types = new Map<Type, TypePlan>();

  constructor(
    private readonly schema: Schema,
    private readonly variables: Record<string, unknown>,
  ) {}

  /** The plan of one selection set, or undefined when Apollo must walk it. */
  selectionSet(selectionSet: SelectionSet): SetPlan | undefined {
    const plan: SetPlan = [];
    for (const selection of selectionSet.selections()) {
      const skipped = this.skipped(selection.element);
      if (skipped === undefined) return undefined;
      if (skipped) continue;
      const sub = selection.selectionSet ? this.selectionSet(selection.selectionSet) : undefined;
      if (selection.selectionSet && !sub) return undefined;
      if (selection.kind === 'FieldSelection') {
        const field = selection.element;
        const name = field.responseName();
        if (field.definition.isSchemaIntrospectionField() || name in Object.prototype) return undefined;
        plan.push({
          fragment: false,
          name,
          typename: field.name === typenameFieldName,
          type: this.type(field.definition.type!),
          set: sub,
        });
      } else {
        plan.push({
          fragment: true,
          condition: selection.element.typeCondition,
          set: sub!,
          byTypename: new Map(),
          byParent: new Map(),
        });
      }
    }
    return plan;
  }

  /** @skip/@include with this request's variables; undefined where Apollo would fail. */
  private skipped(element: OperationElement): boolean | undefined {
    const skip = this.condition(element.appliedDirectivesOf(this.schema.skipDirective())[0]);
    const include = this.condition(element.appliedDirectivesOf(this.schema.includeDirective())[0]);
    if (skip === undefined || include === undefined) return undefined;
    return skip === true || include === false;
  }

  /** A conditional directive's `if`: null when absent, undefined when not a boolean. */
  private condition(
    applied: Directive<OperationElement, { if: boolean | Variable }> | undefined,
  ): boolean | null | undefined {
    if (!applied) return null;
    const value = applied.arguments().if;
    const resolved = value instanceof Variable ? this.variables[value.name] : value;
    return typeof resolved === 'boolean' ? resolved : undefined;
  }

  private type(type: Type): TypePlan {
    let plan = this.types.get(type);
    if (!plan) {
      plan = isNonNullType(type) ? { ...this.type(type.ofType), nonNull: true } : this.nullable(type);
      this.types.set(type, plan);
    }
    return plan;
  }

  private nullable(type: Type): TypePlan {
    if (isListType(type)) return { nonNull: false, list: this.type(type.ofType) };
    if (isCompositeType(type)) return { nonNull: false, composite: type };
    return { nonNull: false, leaf: leafCheck(this.schema, type) };
  }
}

/** federation-internals' isValidLeafValue, decided once per type. */
function leafCheck(schema: Schema, type: Type): (value: unknown) => boolean {
  if (isCustomScalarType(type)) return () => true;
  if (isEnumType(type)) return (value) => typeof value === 'string' && type.value(value) !== undefined;
  if (type === schema.booleanType()) return (value) => typeof value === 'boolean';
  if (type === schema.intType()) return isIntegerNumber;
  if (type === schema.idType()) return (value) => typeof value === 'string' || isIntegerNumber(value);
  if (type === schema.floatType()) return (value) => typeof value === 'number' && Number.isFinite(value);
  // String, and any other named type: a string only.
  return (value) => typeof value === 'string';
}

/** A finite number whose String() is digits: what federation-internals accepts for Int and ID. */
function isIntegerNumber(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && Math.abs(value) < 1e21;
}

function applySet(
  schema: Schema,
  input: Record<string, unknown>,
  plan: SetPlan,
  output: Record<string, unknown>,
  parentType: CompositeType,
): void {
  for (const entry of plan) {
    if (entry.fragment) {
      const typename = input[typenameFieldName];
      if (typename !== undefined && typename !== null && typeof typename !== 'string') throw APOLLO;
      if (conditionApplies(schema, entry, typename || undefined, parentType))
        applySet(schema, input, entry.set, output, entry.condition ?? parentType);
      continue;
    }
    const name = entry.name;
    const outputValue = output[name];
    let inputValue = Object.prototype.hasOwnProperty.call(input, name) ? (input[name] ?? null) : null;
    if (entry.typename) {
      if (outputValue === undefined) {
        if (inputValue === null && name !== typenameFieldName) inputValue = input[typenameFieldName] ?? null;
        const type = typeof inputValue === 'string' ? (schema.type(inputValue) ?? parentType) : parentType;
        if (!isObjectType(type)) throw APOLLO;
        output[name] = type.name;
      }
      continue;
    }
    output[name] = value(schema, outputValue, entry.type, inputValue, entry.set);
  }
}

function conditionApplies(
  schema: Schema,
  entry: FragmentPlan,
  typename: string | undefined,
  parentType: CompositeType,
): boolean {
  const condition = entry.condition;
  if (!condition) return true;
  if (typename) {
    let applies = entry.byTypename.get(typename);
    if (applies === undefined) {
      const type = schema.type(typename);
      applies = !!type && isSubtype(condition, type as never);
      entry.byTypename.set(typename, applies);
    }
    return applies;
  }
  let applies = entry.byParent.get(parentType);
  if (applies === undefined) {
    applies = isSubtype(condition, parentType);
    entry.byParent.set(parentType, applies);
  }
  return applies;
}

/** One field's value: Apollo's updateOutputValue on the clean path, throwing APOLLO off it. */
function value(
  schema: Schema,
  outputValue: unknown,
  type: TypePlan,
  inputValue: unknown,
  set: SetPlan | undefined,
): unknown {
  if (inputValue === undefined) throw APOLLO;
  if (outputValue === null || (outputValue !== undefined && !set)) return outputValue;
  if (inputValue === null) {
    if (type.nonNull) throw APOLLO;
    return null;
  }
  if (type.list) {
    if (!Array.isArray(inputValue)) throw APOLLO;
    const length = inputValue.length;
    if (outputValue !== undefined && (!Array.isArray(outputValue) || outputValue.length !== length)) throw APOLLO;
    const outputList = outputValue as unknown[] | undefined;
    const element = type.list;
    const list = new Array<unknown>(length);
    for (let i = 0; i < length; i++)
      list[i] = value(schema, outputList === undefined ? undefined : outputList[i], element, inputValue[i], set);
    return list;
  }
  if (type.composite) {
    if (!set || typeof inputValue !== 'object' || (outputValue !== undefined && typeof outputValue !== 'object'))
      throw APOLLO;
    const object = inputValue as Record<string, unknown>;
    const typename = object[typenameFieldName];
    let objectType = type.composite;
    if (typename !== undefined) {
      if (typeof typename !== 'string') throw APOLLO;
      if (typename) {
        const named = schema.type(typename);
        if (!named || !isCompositeType(named)) throw APOLLO;
        objectType = named;
      }
    }
    const shaped = (outputValue as Record<string, unknown> | undefined) ?? {};
    applySet(schema, object, set, shaped, objectType);
    return shaped;
  }
  if (outputValue !== undefined || !type.leaf!(inputValue)) throw APOLLO;
  return inputValue;
}
