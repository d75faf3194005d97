// A compute kernel that never suspends, written the way AssemblyScript programs are:
// closures (Array#sort with a comparator, map, reduce) and virtual calls on an abstract
// class. The `overhead` benchmarks time `kernel` built by `weft build` against the same
// file built by plain `asc -O3` with the same runtime (compute_slowdown), and with
// preemption on against off (preempt_slowdown). It imports nothing from weft, so that
// plain asc compiles it as it is.

const SIZE = 1000;

abstract class Shape {
  abstract area(): f64;
}

class Circle extends Shape {
  constructor(public r: f64) {
    super();
  }
  area(): f64 {
    return Math.PI * this.r * this.r;
  }
}

class Rect extends Shape {
  constructor(public w: f64, public h: f64) {
    super();
  }
  area(): f64 {
    return this.w * this.h;
  }
}

/** `rounds` rounds of sort, map, reduce and virtual calls; returns a checksum. */
export function kernel(rounds: i32): f64 {
  let total = 0.0;
  let x: u32 = 1;
  for (let round = 0; round < rounds; round++) {
    const values = new Array<i32>(SIZE);
    for (let i = 0; i < SIZE; i++) {
      x = x * 1103515245 + 12345;
      values[i] = <i32>((x >> 8) % 10000);
    }
    values.sort((a: i32, b: i32): i32 => a - b);
    const halves = values.map<f64>((v: i32): f64 => <f64>v * 0.5);
    total += halves.reduce<f64>((sum: f64, v: f64): f64 => sum + v, 0);
    const shapes = new Array<Shape>();
    for (let i = 0; i < 100; i++) shapes.push(i & 1 ? new Circle(<f64>i) : new Rect(<f64>i, 2));
    for (let i = 0; i < shapes.length; i++) total += shapes[i].area();
    total += <f64>values[0] + <f64>values[SIZE - 1];
  }
  return total;
}

export function main(): void {}
