// A protobufjs JSON descriptor holding only the types reachable from the ones a process encodes or
// decodes, with no comments and no custom options (validation rules, annotations): what
// proto/xds.ts and proto/pilotfish.ts load at run time, instead of parsing hundreds of .proto files.
import protobuf from 'protobufjs';

/** The fully qualified names (no leading dot) of `seeds` and of every type and enum they reach. */
function reachable(root, seeds) {
  const seen = new Set();
  const visit = (object) => {
    const name = object.fullName.slice(1);
    if (seen.has(name)) return;
    seen.add(name);
    if (object instanceof protobuf.Type) {
      for (const field of object.fieldsArray) if (field.resolvedType) visit(field.resolvedType);
    } else if (object instanceof protobuf.Service) {
      for (const method of object.methodsArray) {
        visit(method.resolvedRequestType);
        visit(method.resolvedResponseType);
      }
    }
    // A nested type's parent must exist for its name to resolve; keep the parent whole.
    if (object.parent instanceof protobuf.Type) visit(object.parent);
  };
  for (const seed of seeds) visit(root.lookup(seed));
  return seen;
}

/** Options protobufjs reads when encoding ('packed', 'proto3_optional', features); not the annotations. */
function wireOptions(options) {
  if (!options) return undefined;
  const kept = Object.entries(options).filter(([key]) => !key.startsWith('(') && key !== 'deprecated');
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
}

function trimObject(object, keep, prefix) {
  // keep: the reachable names and every namespace that holds one of them.
  const json = {};
  if (object instanceof protobuf.Enum) {
    json.values = object.values;
    const options = wireOptions(object.options);
    if (options) json.options = options;
    return json;
  }
  if (object instanceof protobuf.Type) {
    const full = object.toJSON();
    if (full.edition) json.edition = full.edition;
    if (full.oneofs)
      json.oneofs = Object.fromEntries(Object.entries(full.oneofs).map(([name, { oneof }]) => [name, { oneof }]));
    json.fields = Object.fromEntries(
      Object.entries(full.fields).map(([name, { options, ...field }]) => {
        const kept = wireOptions(options);
        return [name, kept ? { ...field, options: kept } : field];
      }),
    );
  } else if (object instanceof protobuf.Service) {
    json.methods = Object.fromEntries(
      object.methodsArray.map((m) => {
        const method = { requestType: m.requestType, responseType: m.responseType };
        if (m.requestStream) method.requestStream = true;
        if (m.responseStream) method.responseStream = true;
        return [m.name, method];
      }),
    );
    return json;
  }
  const nested = {};
  for (const child of object.nestedArray) {
    const name = `${prefix}${child.name}`;
    if (keep.has(name)) nested[child.name] = trimObject(child, keep, `${name}.`);
  }
  if (Object.keys(nested).length > 0) json.nested = nested;
  return json;
}

function withNamespaces(names) {
  const keep = new Set(names);
  for (const name of names)
    for (let i = name.indexOf('.'); i > 0; i = name.indexOf('.', i + 1)) keep.add(name.slice(0, i));
  return keep;
}

/** Every type, enum and service `files` define themselves (not those they import). */
function definedIn(root, files) {
  const found = [];
  const visit = (object) => {
    if (files.some((file) => object.filename?.endsWith(file))) found.push(object.fullName.slice(1));
    for (const child of object.nestedArray ?? []) visit(child);
  };
  visit(root);
  return found;
}

/** The descriptor of what `files` define and what that reaches, from `root` (loaded from them). */
export function trimmedDescriptor(root, files) {
  root.resolveAll();
  return trimObject(root, withNamespaces(reachable(root, definedIn(root, files))), '');
}
