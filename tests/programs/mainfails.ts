export function main(): void {
  console.log("before");
  throw new Error("main gives up");
}
