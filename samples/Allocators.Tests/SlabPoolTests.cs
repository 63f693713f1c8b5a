using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace Allocators.Tests
{
    public unsafe class SlabPoolTests : LeakCheckedTest
    {
        [Fact]
        public void Blocks_are_distinct_aligned_and_come_from_one_slab_until_it_is_full()
        {
            using var pool = new SlabPool(40);
            Assert.Equal(48, pool.BlockSize);

            var blocks = new List<nint>();
            for (int i = 0; i < pool.BlocksPerSlab; i++)
            {
                byte* block = (byte*)pool.Rent();
                new Span<byte>(block, pool.BlockSize).Fill((byte)i);
                blocks.Add((nint)block);
            }

            Assert.Equal(1, pool.SlabCount);
            Assert.Equal(blocks.Count, blocks.Distinct().Count());
            Assert.All(blocks, b => Assert.Equal(0, b % 16));
            Assert.All(blocks.Select((b, i) => (b, i)), x => Assert.Equal((byte)x.i, *(byte*)x.b));
            Assert.Equal(pool.BlocksPerSlab, pool.LiveBlocks);

            pool.Rent();
            Assert.Equal(2, pool.SlabCount);
        }

        [Fact]
        public void Returned_blocks_are_reused_last_in_first_out()
        {
            using var pool = new SlabPool(64);
            void* a = pool.Rent();
            void* b = pool.Rent();

            pool.Return(a);
            pool.Return(b);

            Assert.Equal((nint)b, (nint)pool.Rent());
            Assert.Equal((nint)a, (nint)pool.Rent());
            Assert.Equal(2, pool.LiveBlocks);
        }

        [Fact]
        public void A_block_from_elsewhere_is_refused()
        {
            using var pool = new SlabPool(64);
            byte* block = (byte*)pool.Rent();
            nint interior = (nint)(block + 8);
            nint foreign = (nint)System.Runtime.InteropServices.NativeMemory.Alloc(64);

            Assert.Throws<ArgumentException>(() => pool.Return((void*)interior));
            Assert.Throws<ArgumentException>(() => pool.Return((void*)foreign));
            System.Runtime.InteropServices.NativeMemory.Free((void*)foreign);
            pool.Return(block);
        }

        [Fact]
        public void Dispose_unmaps_every_slab()
        {
            var pool = new SlabPool(1024, 4 * (nuint)Environment.SystemPageSize);
            var blocks = Enumerable.Range(0, pool.BlocksPerSlab * 3).Select(_ => (nint)pool.Rent()).ToArray();
            Assert.Equal(3, pool.SlabCount);
            var markers = blocks.Select(b => (Address: b, Marker: ProcessMemory.WriteMarker(b))).ToArray();

            pool.Dispose();

            Assert.Equal(0, pool.SlabCount);
            Assert.Throws<ObjectDisposedException>(() => pool.Rent());
            if (!Mode.Checked && ProcessMemory.IsSupported)
            {
                Assert.All(markers, m => Assert.False(ProcessMemory.StillHolds(m.Address, m.Marker)));
            }
        }
    }
}
