import kafkajs from 'kafkajs';
import { compressFrame, decompressFrame } from 'lz4-napi';

/**
 * kafkajs ships only GZIP. LZ4 (Kafka's "lz4": the standard LZ4 frame, as
 * the broker and the Java client write it) comes from lz4-napi, whose
 * prebuilt binaries install from the registry without a compiler; the
 * async calls run on libuv's pool, off the event loop.
 */
const lz4Codec = {
  async compress(encoder: { buffer: Buffer }): Promise<Buffer> {
    return compressFrame(encoder.buffer);
  },
  async decompress(buffer: Buffer): Promise<Buffer> {
    return decompressFrame(buffer);
  },
};

/**
 * Registers the LZ4 codec in kafkajs' process-wide table. Every process that
 * produces or consumes an LZ4 batch needs it (kafkajs otherwise throws "LZ4
 * compression not implemented"); `createKafka` and the relay call it, and
 * calling it again changes nothing.
 */
export function useLz4Codec(): void {
  // The codec table is a CommonJS export that Node's ESM named-export detection does not see.
  const { CompressionCodecs, CompressionTypes } = kafkajs;
  CompressionCodecs[CompressionTypes.LZ4] = () => lz4Codec;
}
