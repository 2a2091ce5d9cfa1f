/**
 * A publisher that keeps count of what the broker confirmed, for the tests
 * and the bench that kill brokers: it publishes numbered persistent
 * messages on a confirm channel and records each one as confirmed (the
 * broker took responsibility for it) or not (nacked, or in flight when the
 * connection dropped: the broker may or may not have it). It never
 * publishes a message twice, so every copy a consumer gets beyond the
 * first is a redelivery.
 *
 * @module
 */
import amqp, { type ChannelModel, type ConfirmChannel } from "amqplib";
import { Buffer } from "node:buffer";

/** Options for {@link ConfirmedPublisher}. */
export interface ConfirmedPublisherOptions {
  /** Brokers, tried in order; after a lost connection, the next one. */
  urls: string[];
  /** The queue to publish to (through the default exchange); declared by the caller. */
  queue: string;
  /** How many messages to publish in all (default: until {@link ConfirmedPublisher.stop}). */
  count?: number;
  /** The most messages waiting for their confirm at once (default 50). */
  window?: number;
  /** Messages per second at most (default: as fast as confirms allow). */
  rate?: number;
  /** The body of message `n` (from 1; default `task n`). */
  body?: (n: number) => string;
  /** After a lost connection, go on with the next broker (default true); else stop. */
  failover?: boolean;
  /** Called at each confirm, with the message's number. */
  onConfirm?: (n: number) => void;
}

/**
 * Publishes numbered messages with confirms, across lost connections.
 *
 * @example
 * ```ts
 * const publisher = new ConfirmedPublisher({ urls, queue: "task_queue", count: 2000 });
 * await publisher.run();
 * publisher.confirmed.size; // how many the broker confirmed
 * ```
 */
export class ConfirmedPublisher {
  /** Numbers of the messages the broker confirmed. */
  readonly confirmed = new Set<number>();
  /** Numbers of the messages nacked, or unconfirmed when their connection dropped. */
  readonly unconfirmed = new Set<number>();
  /** How many times the connection dropped. */
  connectionsLost = 0;
  /** How many messages were published. */
  published = 0;
  /** How many times a nack made it open a new channel. */
  channelsReopened = 0;
  readonly #options: ConfirmedPublisherOptions;
  #stopped = false;
  #wake: () => void = () => {};

  constructor(options: ConfirmedPublisherOptions) {
    this.#options = options;
  }

  /** Stops publishing; {@link run} resolves once the last confirms are in. */
  stop(): void {
    this.#stopped = true;
    this.#wake();
  }

  /** Publishes until `count` messages are published or {@link stop} is called. */
  async run(): Promise<void> {
    const { urls, count = Infinity, failover = true } = this.#options;
    let start = 0;
    let deadline = Date.now() + 60_000;
    while (!this.#stopped && this.published < count) {
      const index = start % urls.length;
      let connection: ChannelModel;
      try {
        connection = await amqp.connect(urls[index], { noDelay: true, timeout: 5000 });
      } catch (error) {
        // This broker does not answer (yet): try the next, pausing after each round.
        if (!failover || Date.now() > deadline) throw error;
        start++;
        if (start % urls.length === 0) await this.#changed(250);
        continue;
      }
      const lost = await this.#publishOn(connection);
      if (!lost) break;
      this.connectionsLost++;
      if (!failover) break;
      start = index + 1;
      deadline = Date.now() + 60_000;
    }
  }

  /** Publishes on one connection; true if the connection dropped. */
  async #publishOn(connection: ChannelModel): Promise<boolean> {
    let lost = false;
    connection.on("error", () => {});
    connection.on("close", (error?: Error) => {
      lost = lost || error !== undefined;
      this.#wake();
    });
    while (!this.#stopped && !lost && this.published < (this.#options.count ?? Infinity)) {
      let channel: ConfirmChannel;
      try {
        channel = await connection.createConfirmChannel();
      } catch {
        return true;
      }
      channel.on("error", () => {});
      const nacked = await this.#publishOnChannel(channel, () => lost);
      if (nacked && !lost) {
        // RabbitMQ 3.10 nacks every later message of a channel that first published to a
        // quorum queue while its replicas elected a new leader: a new channel, a moment later.
        this.channelsReopened++;
        await channel.close().catch(() => {});
        await this.#changed(250);
      }
    }
    if (!lost) await connection.close().catch(() => {});
    return lost;
  }

  /** Publishes on one channel until a nack, a lost connection, or the end; true after a nack. */
  async #publishOnChannel(channel: ConfirmChannel, lost: () => boolean): Promise<boolean> {
    const { queue, count = Infinity, window = 50, rate, body = (n) => `task ${n}` } = this.#options;
    let inFlight = 0;
    let nacked = false;
    const began = performance.now();
    const startCount = this.published;
    while (!this.#stopped && !lost() && !nacked && this.published < count) {
      if (inFlight >= window) {
        await this.#changed();
        continue;
      }
      if (rate) {
        const wait = began + ((this.published - startCount) * 1000) / rate - performance.now();
        if (wait > 0) {
          await this.#changed(wait);
          continue;
        }
      }
      const n = ++this.published;
      inFlight++;
      try {
        channel.sendToQueue(queue, Buffer.from(body(n)), { persistent: true }, (error) => {
          inFlight--;
          if (error) {
            this.unconfirmed.add(n);
            nacked = nacked || !lost();
          } else {
            this.confirmed.add(n);
            this.#options.onConfirm?.(n);
          }
          this.#wake();
        });
      } catch {
        // The channel closed under us: its callback reports the message unconfirmed.
        return false;
      }
    }
    while (inFlight > 0 && !lost()) await this.#changed();
    return nacked;
  }

  /** Resolves at the next confirm or close, or after `ms` milliseconds. */
  #changed(ms = 1000): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
