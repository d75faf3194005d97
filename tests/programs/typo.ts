export function main(): void {
  const x: i32 = "not a number";
}
