#if CHECKED
using Native = CheckedMmap.Mman;
#else
using Native = Allocators.Libc;
#endif
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace Allocators
{
    /// <summary>
    /// A pool of fixed-size blocks. Slabs of whole pages come from mmap and are carved into blocks; free blocks
    /// form an intrusive singly linked list (the link lives in the free block itself), so Rent and Return are O(1).
    /// Slabs are kept until <see cref="Dispose"/>.
    /// </summary>
    public sealed unsafe class SlabPool : IDisposable
    {
        private readonly List<nint> _slabs = new List<nint>();
        private FreeBlock* _free;
        private bool _disposed;

        /// <param name="blockSize">Bytes per block; rounded up to a multiple of 16 (and at least a pointer).</param>
        /// <param name="slabSize">Bytes per slab: a multiple of the page size, 0 for one page.</param>
        public SlabPool(int blockSize, nuint slabSize = 0)
        {
            nuint page = (nuint)Native.PageSize;
            slabSize = slabSize == 0 ? page : slabSize;
            if (slabSize % page != 0)
            {
                throw new ArgumentOutOfRangeException(nameof(slabSize), slabSize, $"The slab size must be a multiple of the page size ({page}).");
            }

            if (blockSize <= 0 || (nuint)blockSize > slabSize)
            {
                throw new ArgumentOutOfRangeException(nameof(blockSize), blockSize, "A block must be positive and fit in a slab.");
            }

            BlockSize = (blockSize + 15) & ~15;
            SlabSize = slabSize;
            BlocksPerSlab = (int)(slabSize / (nuint)BlockSize);
        }

        public int BlockSize { get; }

        public nuint SlabSize { get; }

        public int BlocksPerSlab { get; }

        public int SlabCount => _slabs.Count;

        /// <summary>Blocks rented and not yet returned.</summary>
        public int LiveBlocks { get; private set; }

        /// <summary>A block of <see cref="BlockSize"/> bytes. Its content is whatever the last user left in it.</summary>
        public void* Rent()
        {
            if (_disposed)
            {
                throw new ObjectDisposedException(nameof(SlabPool));
            }

            if (_free == null)
            {
                AddSlab();
            }

            FreeBlock* block = _free;
            _free = block->Next;
            block->Next = null;
            LiveBlocks++;
            return block;
        }

        /// <summary>Gives a block back. It must come from this pool.</summary>
        public void Return(void* block)
        {
            if (_disposed)
            {
                throw new ObjectDisposedException(nameof(SlabPool));
            }

            if (!Owns(block))
            {
                throw new ArgumentException("The block does not belong to this pool.", nameof(block));
            }

            var free = (FreeBlock*)block;
            free->Next = _free;
            _free = free;
            LiveBlocks--;
        }

        /// <summary>Whether <paramref name="block"/> is the start of a block in one of this pool's slabs.</summary>
        public bool Owns(void* block)
        {
            nint address = (nint)block;
            foreach (nint slab in _slabs)
            {
                if (address >= slab && (nuint)(address - slab) < (nuint)BlocksPerSlab * (nuint)BlockSize)
                {
                    return (nuint)(address - slab) % (nuint)BlockSize == 0;
                }
            }

            return false;
        }

        /// <summary>Unmaps every slab; blocks still rented become invalid.</summary>
        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            while (_slabs.Count > 0)
            {
                nint slab = _slabs[_slabs.Count - 1];
                if (Native.munmap(slab, SlabSize) != 0)
                {
                    throw new InvalidOperationException($"SlabPool: munmap failed (errno {Marshal.GetLastPInvokeError()}).");
                }

                _slabs.RemoveAt(_slabs.Count - 1);
            }

            _free = null;
            _disposed = true;
        }

        private void AddSlab()
        {
            nint slab = Native.mmap(0, SlabSize, Native.PROT_READ | Native.PROT_WRITE, Native.MAP_PRIVATE | Native.MAP_ANONYMOUS, -1, 0);
            if (slab == Native.MAP_FAILED)
            {
                throw new OutOfMemoryException($"SlabPool: mmap of {SlabSize} bytes failed (errno {Marshal.GetLastPInvokeError()}).");
            }

            _slabs.Add(slab);

            // Push in reverse so blocks are handed out in address order.
            for (int i = BlocksPerSlab - 1; i >= 0; i--)
            {
                var block = (FreeBlock*)(slab + (i * BlockSize));
                block->Next = _free;
                _free = block;
            }
        }

        private struct FreeBlock
        {
            public FreeBlock* Next;
        }
    }
}
