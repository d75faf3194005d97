// FIBERS fibers contend for one Mutex: each locks, yields while holding it, and unlocks.
import { Mutex, WaitGroup, spawnWith, yieldNow } from "weft";

const FIBERS: i32 = isDefined(MUTEX_FIBERS) ? MUTEX_FIBERS : 100;
const ROUNDS: i32 = isDefined(MUTEX_ROUNDS) ? MUTEX_ROUNDS : 10_000;

class Job {
  constructor(public mutex: Mutex, public wg: WaitGroup) {}
}

let counter = 0;
let overlaps = 0;
let inside = false;

function worker(job: Job): void {
  for (let i = 0; i < ROUNDS; i++) {
    job.mutex.lock();
    if (inside) overlaps++;
    inside = true;
    counter++;
    yieldNow(); // hold the lock across a switch: the others queue up
    inside = false;
    job.mutex.unlock();
  }
  job.wg.done();
}

export function main(): void {
  const job = new Job(new Mutex(), new WaitGroup());
  for (let i = 0; i < FIBERS; i++) {
    job.wg.add(1);
    spawnWith(worker, job);
  }
  job.wg.wait();
  console.log("count=" + counter.toString() + " overlaps=" + overlaps.toString());
}
