// Dining philosophers with mutexes as forks. Each philosopher takes the lower-numbered fork
// first, which breaks the cycle, so the dinner ends.
import { Mutex, spawnWith, yieldNow, WaitGroup } from "weft";

const SEATS = 5;
const MEALS = 100;

class Seat {
  constructor(public id: i32, public first: Mutex, public second: Mutex, public wg: WaitGroup) {}
}

const eaten = new StaticArray<i32>(SEATS);
let conflicts = 0;
const inUse = new StaticArray<bool>(SEATS);

function dine(seat: Seat): void {
  for (let meal = 0; meal < MEALS; meal++) {
    seat.first.lock();
    yieldNow(); // let a neighbour reach for the other fork
    seat.second.lock();
    const left = seat.id;
    const right = (seat.id + 1) % SEATS;
    if (inUse[left] || inUse[right]) conflicts++;
    inUse[left] = true;
    inUse[right] = true;
    eaten[seat.id]++;
    yieldNow(); // eat
    inUse[left] = false;
    inUse[right] = false;
    seat.second.unlock();
    seat.first.unlock();
    yieldNow(); // think
  }
  seat.wg.done();
}

export function main(): void {
  const forks = new Array<Mutex>();
  for (let i = 0; i < SEATS; i++) forks.push(new Mutex());
  const wg = new WaitGroup();
  for (let i = 0; i < SEATS; i++) {
    const a = i;
    const b = (i + 1) % SEATS;
    wg.add(1);
    spawnWith(dine, new Seat(i, forks[min(a, b)], forks[max(a, b)], wg), "philosopher");
  }
  wg.wait();
  let total = 0;
  for (let i = 0; i < SEATS; i++) total += eaten[i];
  console.log("meals " + total.toString() + ", conflicts " + conflicts.toString());
}
