// Unit tests for the generator's small readers: CSV, .proto, Python dataclasses, protobuf text keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv } from '../../tools/schema-gen/csv';
import { readProto, resolveTypeName } from '../../tools/schema-gen/proto-reader';
import { readPyModule, pyLiteral, pyOptions } from '../../tools/schema-gen/dataclass-reader';
import { sheetKind } from '../../tools/schema-gen/sheets';
import { pathKind } from '../../tools/schema-gen/paths';

test('csv: quoted fields keep commas, newlines and doubled quotes', () => {
  const rows = parseCsv('\ufeffa,b,c\r\n1,"x, y","say ""hi""\nthere"\n2,,\n');
  assert.deepEqual(rows, [['a', 'b', 'c'], ['1', 'x, y', 'say "hi"\nthere'], ['2', '', '']]);
  assert.deepEqual(parseCsv('p,q'), [['p', 'q']]);
});

test('sheet value types map to schema kinds, typos included', () => {
  assert.equal(sheetKind('srting'), 'string');
  assert.equal(sheetKind('ordered_int'), 'integer');
  assert.equal(sheetKind('list_1_backbone'), 'array');
  assert.equal(sheetKind('collection '), 'object');
  assert.equal(sheetKind('categorical'), 'enum');
});

test('proto: messages, nested enums, oneofs, maps, repeated and options', () => {
  const f = readProto(`
    syntax = "proto3";
    import "a/b.proto";
    // comment
    message Outer {
      message Inner { float x = 1 [default = 2.0]; }
      enum Mode { A = 0; B = 1; }
      /* block */
      repeated Inner items = 1;
      Mode mode = 2;
      map<string, Inner> by_name = 3;
      oneof opt { Inner sgd = 4; Inner adam = 5; }
      reserved 9;
    }`);
  assert.deepEqual(f.imports, ['a/b.proto']);
  const outer = f.messages.get('Outer')!;
  assert.deepEqual(outer.map((x) => x.name), ['items', 'mode', 'by_name', 'sgd', 'adam']);
  assert.equal(outer[0].repeated, true);
  assert.equal(outer[2].mapKey, 'string');
  assert.equal(outer[3].oneof, 'opt');
  assert.deepEqual(f.enums.get('Outer.Mode'), { A: 0, B: 1 });
  const known = (n: string) => f.messages.has(n) || f.enums.has(n);
  assert.equal(resolveTypeName('Inner', 'Outer', known), 'Outer.Inner');
  assert.equal(resolveTypeName('Mode', 'Outer', known), 'Outer.Mode');
});

test('python dataclasses: fields, helpers, keywords and literals', () => {
  const m = readPyModule(`
from a.b import (X,
    Y as Z)

@dataclass
class Cfg(Base):
    """Doc."""

    lr: float = FLOAT_FIELD(
        value=1e-4,
        valid_min=0, valid_max="inf",
        description="""multi, (line)""",
    )
    mode: Optional[str] = STR_FIELD(value="a", valid_options=",".join(["a", "b"]))
    sub: Inner = DATACLASS_FIELD(Inner())
    plain: int = 3

def helper():
    pass
`);
  assert.deepEqual(m.imports, { X: 'a.b:X', Z: 'a.b:Y' });
  const c = m.classes[0];
  assert.equal(c.name, 'Cfg');
  assert.deepEqual(c.bases, ['Base']);
  assert.deepEqual(c.fields.map((f) => f.name), ['lr', 'mode', 'sub', 'plain']);
  assert.equal(pyLiteral(c.fields[0].keywords.value), 1e-4);
  assert.equal(pyLiteral(c.fields[0].keywords.valid_max), 'inf');
  assert.deepEqual(pyOptions(c.fields[1].keywords.valid_options), ['a', 'b']);
  assert.equal(c.fields[2].positional[0], 'Inner()');
  assert.equal(c.fields[3].positional[0], '3');
  assert.deepEqual(pyLiteral('[1, 2.5, "x", None, True]'), [1, 2.5, 'x', null, true]);
});

test('path fields: inputs by kind, outputs and relative names left alone', () => {
  assert.equal(pathKind('image_directory_path'), 'dir');
  assert.equal(pathKind('train_img_dir'), 'dir');
  assert.equal(pathKind('pretrained_model_path'), 'file');
  assert.equal(pathKind('validation_json_file'), 'file');
  assert.equal(pathKind('tfrecords_path'), 'any');
  assert.equal(pathKind('results_dir'), undefined);
  assert.equal(pathKind('output_file'), undefined);
  assert.equal(pathKind('image_dir_name'), undefined);
  assert.equal(pathKind('batch_size'), undefined);
});
