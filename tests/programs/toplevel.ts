// Top-level code fails before `main` starts: a fault outside any fiber ends the program.
const items: i32[] = [1, 2, 3];
const INDEX: i32 = isDefined(TOP_INDEX) ? TOP_INDEX : 7;
console.log("top-level code runs");
const picked = items[INDEX];

export function main(): void {
  console.log("main runs: " + picked.toString());
}
