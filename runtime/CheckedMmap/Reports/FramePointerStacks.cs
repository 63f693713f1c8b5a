// Methods-only stacks at the cost of a frame-pointer walk. The runtime's walk (RuntimeStackWalk) costs microseconds
// per stack, more than the mmap it records; but an allocator maps and unmaps from a handful of call paths, and a call
// path is named exactly by the return addresses on the stack. So a capture reads the return addresses (tens of
// nanoseconds), and the first time it meets a sequence it takes the runtime's walk, checks that the sequence names
// exactly that walk's frames, and remembers the stack under the sequence; later captures of the same path return
// that stack.
//
// The x64 JIT keeps rbp as a frame chain ("ETW framing") in most methods, but small optimized methods have no frame
// record: following rbp skips them and their caller's return address, so two paths through such a method could read
// alike. The check therefore finds every frame of the walk on the stack: the return address into each frame must lie
// in that frame's method (its code header, just before the code, names the method's MethodDesc, the handle the walk
// gives) at the offset the walk gives; a method without a frame record (its code does not begin with `push rbp`) has
// its frame size learned, as the distance to the next return address, and later walks step over it by that size. A
// sequence the check cannot account for (code without a code header, such as ReadyToRun code; frames the walk does
// not show other than funclets and OSR bodies' Tier0 frames; unknown layouts) is remembered as such and takes the
// runtime's walk every time, as before. Frame sizes are published only with a path the check accounted for, whose
// stack holds the methods on it (collectible and dynamic ones included): their code stays where it is, so a learned
// return address never comes to name another method.
using System;
using System.Collections.Generic;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace CheckedMmap.Reports
{
    internal static unsafe partial class FramePointerStacks
    {
        /// <summary>Distinct return-address sequences remembered; past this, new paths take the runtime's walk.</summary>
        internal const int Capacity = 16384;

        private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nuint*, nuint> FrameRecord;
        private static readonly delegate* unmanaged[Cdecl]<nuint> StackEnd;
        private static readonly delegate* unmanaged[Cdecl]<nuint, void*, nuint, int> ReadMemory;
        private static readonly delegate* unmanaged[Cdecl]<nuint, int> ModuleKind;
        private static readonly IntPtr AnchorHandle;
        private static readonly bool Supported;

        [ThreadStatic]
        private static nuint t_stackEnd;

        private static FramelessSizes _frameless = FramelessSizes.Empty;
        private static PathTable _paths = new PathTable(64);
        private static readonly object LearnSync = new object();

        /// <summary>Tests only: every capture takes the runtime's walk, as where frame-pointer walks are unavailable.</summary>
        internal static volatile bool DisabledForTests;

        /// <summary>Tests only: count the captures below.</summary>
        internal static volatile bool CountingForTests;

        /// <summary>How many captures took the runtime's walk to learn a path, while counting (tests).</summary>
        internal static int LearnCount;

        /// <summary>How many captures found a path remembered as one the check cannot account for, while counting (tests).</summary>
        internal static int UnverifiedCount;

        // The stack end of a thread whose end could not be found: no walk there.
        private static readonly nuint NoStackEnd = nuint.MaxValue;

        static FramePointerStacks()
        {
            if (RuntimeInformation.ProcessArchitecture != Architecture.X64 || !RuntimeInformation.IsOSPlatform(OSPlatform.Linux)
                || !RuntimeStackWalk.IsAvailable || !Host.FaultReporter.TryLoadLibrary(out nint library))
            {
                return;
            }

            try
            {
                FrameRecord = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nuint*, nuint>)NativeLibrary.GetExport(library, "checkedmmap_frame_record");
                StackEnd = (delegate* unmanaged[Cdecl]<nuint>)NativeLibrary.GetExport(library, "checkedmmap_stack_end");
                ReadMemory = (delegate* unmanaged[Cdecl]<nuint, void*, nuint, int>)NativeLibrary.GetExport(library, "checkedmmap_read");
                ModuleKind = (delegate* unmanaged[Cdecl]<nuint, int>)NativeLibrary.GetExport(library, "checkedmmap_module_kind");
                AnchorHandle = typeof(FramePointerStacks).GetMethod(nameof(Take), BindingFlags.Static | BindingFlags.Public)!.MethodHandle.Value;
                Supported = true;
            }
            catch (EntryPointNotFoundException)
            {
                // An older library next to a newer assembly: stacks come from the runtime's walk.
            }
        }

        /// <summary>Whether captures go through this class (Linux x64, the native library and the runtime's walk found).</summary>
        public static bool IsAvailable => Supported && !DisabledForTests && !RuntimeStackWalk.DisabledForTests;

        /// <summary>The calling thread's stack, methods only, at most <paramref name="depth"/> frames below CheckedMmap's
        /// own (0: all), shared with every capture of the same call path (see <see cref="InternedStacks"/>).</summary>
        /// <remarks>Every walk starts from this method's frame, so it is never inlined.</remarks>
        [MethodImpl(MethodImplOptions.NoInlining)]
        [SkipLocalsInit]
        public static CapturedStack Take(int depth, ref int ownFrames)
        {
            nuint* record = stackalloc nuint[2];
            nuint recordAddress = FrameRecord(record);
            nuint stackEnd = t_stackEnd;
            if (stackEnd == 0)
            {
                stackEnd = FindStackEnd();
            }

            var start = new WalkStart(recordAddress, record, stackEnd);
            int max = KeyLimit(depth);
            nint* returnAddresses = stackalloc nint[max];
            FramelessSizes frameless = Volatile.Read(ref _frameless);
            int count = Walk(start, returnAddresses, max, frameless);
            PathTable.Entry? known = Volatile.Read(ref _paths).Find(returnAddresses, count, depth, frameless.Version);
            if (known != null)
            {
                return known.Stack ?? Unverified(depth, ref ownFrames);
            }

            return Learn(start, returnAddresses, count, depth, ref ownFrames);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static nuint FindStackEnd()
        {
            nuint end = StackEnd();
            return t_stackEnd = end == 0 ? NoStackEnd : end;
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static CapturedStack Unverified(int depth, ref int ownFrames)
        {
            if (CountingForTests)
            {
                Interlocked.Increment(ref UnverifiedCount);
            }

            return InternedStacks.Intern(CapturedStack.TakeMethodsOnly(depth, ref ownFrames));
        }

        /// <summary>How many return addresses name a path: the frames the runtime's walk is asked for (CheckedMmap's,
        /// the depth and one more) and room for native frames between them; every frame when the depth is 0.</summary>
        private static int KeyLimit(int depth) => depth == 0 ? 512 : Math.Min(512, depth + CapturedStack.OwnFramesAllowance + 16);

        /// <summary>Where a walk starts: the native helper's frame record, as it copied it before returning.</summary>
        private readonly struct WalkStart
        {
            public WalkStart(nuint recordAddress, nuint* record, nuint stackEnd)
            {
                bool known = recordAddress != 0 && stackEnd != NoStackEnd && stackEnd > recordAddress + 16;
                End = known ? stackEnd : 0;
                Slot = recordAddress + 8;
                ReturnAddress = known ? (nint)record[1] : 0;
                FramePointer = known ? record[0] : 0;
            }

            /// <summary>Where the return address into <see cref="Take"/> was kept.</summary>
            public nuint Slot { get; }

            /// <summary>The return address into <see cref="Take"/> (0: no walk).</summary>
            public nint ReturnAddress { get; }

            /// <summary><see cref="Take"/>'s rbp: its own, or its nearest caller's that has a frame record.</summary>
            public nuint FramePointer { get; }

            /// <summary>The end of the thread's stack.</summary>
            public nuint End { get; }
        }

        /// <summary>The return addresses from <paramref name="start"/> down the stack, at most <paramref name="max"/>:
        /// through frame records, and over frames of known size where a method has none.</summary>
        private static int Walk(in WalkStart start, nint* returnAddresses, int max, FramelessSizes frameless)
        {
            nuint end = start.End;
            nuint slot = start.Slot;                  // where the return address into the current frame is kept
            nuint framePointer = start.FramePointer;  // the current frame's rbp (its own, or its nearest caller's with one)
            nint returnAddress = start.ReturnAddress;
            int count = 0;
            while (count < max && returnAddress != 0)
            {
                returnAddresses[count++] = returnAddress;
                int size = frameless.SizeOf(returnAddress);
                if (size < 0)
                {
                    if (!StepToCallerRecord(ref slot, ref framePointer, end, out returnAddress))
                    {
                        break;
                    }

                    continue;
                }

                nuint next = slot + 8 + (nuint)size;
                if (next <= slot || next > end - 8)
                {
                    break;
                }

                slot = next;
                returnAddress = *(nint*)slot;
            }

            return count;
        }

        /// <summary>Follows the frame record at <paramref name="framePointer"/> (the rbp of the frame whose return address
        /// is at <paramref name="slot"/>) to the caller: its return address, where it is kept, and the caller's rbp. False
        /// when the frame pointer is not a record on this stack above the slot.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static bool StepToCallerRecord(ref nuint slot, ref nuint framePointer, nuint end, out nint returnAddress)
        {
            if (framePointer < slot + 8 || framePointer > end - 16 || (framePointer & 7) != 0)
            {
                returnAddress = 0;
                return false;
            }

            slot = framePointer + 8;
            framePointer = *(nuint*)framePointer;
            returnAddress = *(nint*)slot;
            return true;
        }

        /// <summary>Whether <paramref name="value"/> can be an address in user space (above the first pages, below the
        /// 47-bit limit): only such words are read as code or code headers.</summary>
        private static bool IsUserAddress(nuint value) => value > 0x10000 && value >> 47 == 0;

        /// <summary>Frame sizes of methods without a frame record, by a return address into them: copied on every change
        /// (a new method or call site, rare), read without locks.</summary>
        private sealed class FramelessSizes
        {
            public static readonly FramelessSizes Empty = new FramelessSizes(new nint[16], new int[16], 0, 0);

            private readonly nint[] _addresses;
            private readonly int[] _sizes;

            private FramelessSizes(nint[] addresses, int[] sizes, int count, int version)
            {
                _addresses = addresses;
                _sizes = sizes;
                Count = count;
                Version = version;
            }

            public int Count { get; }

            /// <summary>How many times sizes were added: a path's return addresses read with these sizes name what they
            /// named when the path was remembered with an earlier or equal version (sizes are never changed).</summary>
            public int Version { get; }

            public int SizeOf(nint returnAddress)
            {
                int mask = _addresses.Length - 1;
                for (int i = Hash(returnAddress) & mask; ; i = (i + 1) & mask)
                {
                    nint a = _addresses[i];
                    if (a == returnAddress)
                    {
                        return _sizes[i];
                    }

                    if (a == 0)
                    {
                        return -1;
                    }
                }
            }

            /// <summary>These sizes with <paramref name="learned"/> added (themselves when nothing is new); false when a
            /// learned size differs from the one known for its address (sizes are never changed).</summary>
            public bool TryWith(Dictionary<nint, int> learned, out FramelessSizes sizes)
            {
                sizes = this;
                int added = 0;
                foreach (KeyValuePair<nint, int> pair in learned)
                {
                    int known = SizeOf(pair.Key);
                    if (known >= 0 && known != pair.Value)
                    {
                        return false;
                    }

                    added += known < 0 ? 1 : 0;
                }

                if (added == 0)
                {
                    return true;
                }

                int length = _addresses.Length;
                while ((Count + added) * 2 > length)
                {
                    length *= 2;
                }

                var copy = new FramelessSizes(new nint[length], new int[length], Count + added, Version + 1);
                for (int i = 0; i < _addresses.Length; i++)
                {
                    if (_addresses[i] != 0)
                    {
                        copy.Put(_addresses[i], _sizes[i]);
                    }
                }

                foreach (KeyValuePair<nint, int> pair in learned)
                {
                    copy.Put(pair.Key, pair.Value); // a known one again: the same size in its slot
                }

                sizes = copy;
                return true;
            }

            private void Put(nint returnAddress, int size)
            {
                int mask = _addresses.Length - 1;
                int i = Hash(returnAddress) & mask;
                while (_addresses[i] != 0 && _addresses[i] != returnAddress)
                {
                    i = (i + 1) & mask;
                }

                _addresses[i] = returnAddress;
                _sizes[i] = size;
            }

            private static int Hash(nint address) => (int)(((ulong)address * 0x9E3779B97F4A7C15UL) >> 40);
        }

        /// <summary>Remembered paths: a return-address sequence and depth, and the stack it names (null: a sequence the
        /// check could not account for). Entries are added under a lock and read without one.</summary>
        private sealed class PathTable
        {
            private readonly Entry?[] _slots;

            public PathTable(int length)
            {
                _slots = new Entry?[length];
            }

            public int Count { get; private set; }

            public sealed class Entry
            {
                public Entry(nint[] returnAddresses, int depth, int hash, int sizesVersion, CapturedStack? stack)
                {
                    ReturnAddresses = returnAddresses;
                    Depth = depth;
                    Hash = hash;
                    SizesVersion = sizesVersion;
                    Stack = stack;
                }

                /// <summary>The version of the frame sizes the return addresses were read with.</summary>
                public int SizesVersion { get; }

                public nint[] ReturnAddresses { get; }

                public int Depth { get; }

                public int Hash { get; }

                public CapturedStack? Stack { get; }
            }

            /// <summary>The entry for the sequence, read with frame sizes of <paramref name="sizesVersion"/>: one remembered
            /// with later sizes may name another path than a walk without them read, so it is not found.</summary>
            public Entry? Find(nint* returnAddresses, int count, int depth, int sizesVersion)
            {
                var key = new ReadOnlySpan<nint>(returnAddresses, count);
                int hash = HashOf(key, depth);
                int mask = _slots.Length - 1;
                for (int i = hash & mask; ; i = (i + 1) & mask)
                {
                    Entry? entry = Volatile.Read(ref _slots[i]);
                    if (entry == null)
                    {
                        return null;
                    }

                    if (entry.Hash == hash && entry.Depth == depth && entry.SizesVersion <= sizesVersion && key.SequenceEqual(entry.ReturnAddresses))
                    {
                        return entry;
                    }
                }
            }

            /// <summary>This table with the entry added (itself, or a larger copy); the caller holds the lock.</summary>
            public PathTable With(ReadOnlySpan<nint> returnAddresses, int depth, int sizesVersion, CapturedStack? stack)
            {
                PathTable table = this;
                if ((Count + 1) * 2 > _slots.Length)
                {
                    table = new PathTable(_slots.Length * 2);
                    foreach (Entry? entry in _slots)
                    {
                        if (entry != null)
                        {
                            table.Put(entry);
                        }
                    }
                }

                table.Put(new Entry(returnAddresses.ToArray(), depth, HashOf(returnAddresses, depth), sizesVersion, stack));
                return table;
            }

            private void Put(Entry entry)
            {
                int mask = _slots.Length - 1;
                int i = entry.Hash & mask;
                while (_slots[i] != null)
                {
                    Entry known = _slots[i]!;
                    if (known.Hash == entry.Hash && known.Depth == entry.Depth && known.SizesVersion <= entry.SizesVersion
                        && known.ReturnAddresses.AsSpan().SequenceEqual(entry.ReturnAddresses))
                    {
                        return;
                    }

                    i = (i + 1) & mask;
                }

                Volatile.Write(ref _slots[i], entry);
                Count++;
            }

            private static int HashOf(ReadOnlySpan<nint> returnAddresses, int depth)
            {
                ulong h = 14695981039346656037UL ^ (uint)depth;
                foreach (nint a in returnAddresses)
                {
                    h = (h ^ (ulong)a) * 1099511628211UL;
                }

                return (int)(h ^ (h >> 32)) & int.MaxValue;
            }
        }
    }
}
