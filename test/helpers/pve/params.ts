import { paramError } from './errors.ts';

/** One parameter of an endpoint's schema, in PVE's JSONSchema terms. */
export type ParamSpec =
  | { readonly type: 'integer'; readonly minimum?: number; readonly maximum?: number }
  | { readonly type: 'boolean' }
  | { readonly type: 'string' }
  | { readonly type: 'enum'; readonly values: readonly string[] };

export type Schema = Readonly<Record<string, ParamSpec>>;
export type ParamValue = string | number | boolean;

/**
 * Checks parameters the way PVE's JSONSchema does (additionalProperties => 0 on every endpoint
 * drowse uses), collecting every error into one `400 Parameter verification failed.`.
 */
export function verifyParams(schema: Schema, given: Readonly<Record<string, string>>): Record<string, ParamValue> {
  const errors: Record<string, string> = {};
  const out: Record<string, ParamValue> = {};
  for (const [name, value] of Object.entries(given)) {
    const spec = schema[name];
    if (!spec) {
      errors[name] = 'property is not defined in schema and the schema does not allow additional properties';
      continue;
    }
    const checked = check(spec, value);
    if (typeof checked === 'object') errors[name] = checked.error;
    else out[name] = checked;
  }
  if (Object.keys(errors).length > 0) throw paramError(errors);
  return out;
}

function check(spec: ParamSpec, value: string): ParamValue | { error: string } {
  switch (spec.type) {
    case 'integer': {
      if (!/^[+-]?\d+$/.test(value)) return { error: `type check ('integer') failed - got '${value}'` };
      const n = Number(value);
      if (spec.minimum !== undefined && n < spec.minimum) return { error: `value must have a minimum value of ${spec.minimum}` };
      if (spec.maximum !== undefined && n > spec.maximum) return { error: `value may not exceed ${spec.maximum}` };
      return n;
    }
    case 'boolean':
      // PVE's parser accepts these spellings; clients send 0/1.
      if (/^(1|true|yes|on)$/i.test(value)) return true;
      if (/^(0|false|no|off)$/i.test(value)) return false;
      return { error: `type check ('boolean') failed - got '${value}'` };
    case 'enum':
      return spec.values.includes(value) ? value
        : { error: `value '${value}' does not have a value in the enumeration '${spec.values.join(', ')}'` };
    case 'string':
      return value;
  }
}
