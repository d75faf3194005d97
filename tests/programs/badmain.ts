export function main(n: i32): i32 {
  return n;
}
