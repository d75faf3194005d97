// Thread ring: FIBERS fibers in a ring of unbuffered channels pass a token HOPS times.
import { Channel, spawnWith } from "weft";

const FIBERS: i32 = isDefined(RING) ? RING : 503;
const HOPS: i32 = isDefined(RING_HOPS) ? RING_HOPS : 10_000_000;

class Link {
  constructor(public id: i32, public input: Channel<i32>, public output: Channel<i32>, public done: Channel<i32>) {}
}

function member(link: Link): void {
  while (true) {
    const token = link.input.recv();
    if (token == 0) {
      link.done.send(link.id);
      return;
    }
    link.output.send(token - 1);
  }
}

export function main(): void {
  const channels = new Array<Channel<i32>>();
  for (let i = 0; i < FIBERS; i++) channels.push(new Channel<i32>());
  const done = new Channel<i32>();
  for (let i = 0; i < FIBERS; i++) spawnWith(member, new Link(i + 1, channels[i], channels[(i + 1) % FIBERS], done));
  channels[0].send(HOPS);
  console.log("holder=" + done.recv().toString());
}
