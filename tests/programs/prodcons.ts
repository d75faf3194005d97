// Several producers and consumers over one buffered channel: every item is delivered
// exactly once, and each consumer sees each producer's items in the order they were sent.
import { Channel, spawnWith, WaitGroup, outcome, Outcome, yieldNow } from "weft";

const PRODUCERS = 7;
const CONSUMERS = 5;
const ITEMS = 2000; // per producer

class Job {
  constructor(public id: i32, public queue: Channel<i32>, public wg: WaitGroup) {}
}

const seen = new StaticArray<i32>(PRODUCERS * ITEMS);
// last index each consumer saw from each producer
const lastFrom = new StaticArray<i32>(CONSUMERS * PRODUCERS);
let outOfOrder = 0;
let duplicates = 0;
let received = 0;

function produce(job: Job): void {
  for (let i = 0; i < ITEMS; i++) job.queue.send(job.id * ITEMS + i);
  job.wg.done();
}

function consume(job: Job): void {
  while (true) {
    const item = job.queue.recv();
    if (outcome() == Outcome.Closed) break;
    const producer = item / ITEMS;
    const index = item % ITEMS;
    if (seen[item]++ != 0) duplicates++;
    const slot = job.id * PRODUCERS + producer;
    if (index <= lastFrom[slot]) outOfOrder++;
    lastFrom[slot] = index;
    received++;
    if (item % 3 == 0) yieldNow(); // mix hand-offs and buffered receives
  }
  job.wg.done();
}

export function main(): void {
  for (let i = 0; i < CONSUMERS * PRODUCERS; i++) lastFrom[i] = -1;
  const queue = new Channel<i32>(16);
  const producers = new WaitGroup();
  const consumers = new WaitGroup();
  for (let p = 0; p < PRODUCERS; p++) {
    producers.add(1);
    spawnWith(produce, new Job(p, queue, producers), "producer");
  }
  for (let c = 0; c < CONSUMERS; c++) {
    consumers.add(1);
    spawnWith(consume, new Job(c, queue, consumers), "consumer");
  }
  producers.wait();
  queue.close();
  consumers.wait();
  let missing = 0;
  for (let i = 0; i < PRODUCERS * ITEMS; i++) if (seen[i] == 0) missing++;
  console.log("received " + received.toString() + ", missing " + missing.toString() + ", duplicates " + duplicates.toString() + ", out of order " + outOfOrder.toString());
}
