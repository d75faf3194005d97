// Fibers that yield from inside callbacks called indirectly (Array#forEach, a function
// stored in a field): asyncify must instrument indirect calls too.
import { spawnWith, yieldNow } from "weft";

class Task {
  constructor(public name: string, public step: (n: i32) => i32) {}
}

function double(n: i32): i32 {
  yieldNow();
  return n * 2;
}

function viaForEach(id: i32): void {
  const items: i32[] = [1, 2, 3];
  items.forEach((item: i32, index: i32, array: i32[]): void => {
    console.log("forEach item " + item.toString());
    yieldNow();
  });
}

function viaField(id: i32): void {
  const task = new Task("doubler", double);
  let n = 1;
  for (let i = 0; i < 3; i++) {
    n = task.step(n);
    console.log("field step " + n.toString());
  }
}

export function main(): void {
  const a = spawnWith(viaForEach, 1);
  const b = spawnWith(viaField, 2);
  a.join();
  b.join();
}
