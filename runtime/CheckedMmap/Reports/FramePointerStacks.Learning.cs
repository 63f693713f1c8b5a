// The first capture of a return-address sequence: the runtime's walk, and the check that the sequence names exactly
// that walk's frames (see FramePointerStacks.cs).
using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;

namespace CheckedMmap.Reports
{
    internal static unsafe partial class FramePointerStacks
    {
        // A method's code header (EEJitManager's CodeHeader) sits in the 8 bytes before its code and points to a record
        // whose first fields include the method's MethodDesc; the fields are searched, so their order may change.
        private const int CodeHeaderFieldsSearched = 8;

        // The most stack a frame without a frame record is searched through for its return address.
        private const int LargestFramelessFrame = 4096;

        // How far past a method's start its funclets may lie (they follow its body in the same block of code).
        private const int LargestMethodWithFunclets = 1 << 16;

        // The most native frames (the runtime's own, between two managed frames) stepped through for one managed frame.
        private const int NativeFramesBetween = 8;

        private const byte PushRbp = 0x55;

        /// <summary>Takes the runtime's walk, checks the return addresses against it, remembers the result.</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static CapturedStack Learn(in WalkStart start, nint* firstReturnAddresses, int firstCount, int depth, ref int ownFrames)
        {
            Interlocked.Increment(ref LearnCount);
            CapturedStack taken = CapturedStack.TakeMethodsOnly(depth, ref ownFrames);
            CapturedStack stack = InternedStacks.Intern(taken); // the same path's stack from before, taken elsewhere
            int max = KeyLimit(depth);
            lock (LearnSync)
            {
                if (_paths.Count >= Capacity)
                {
                    return stack;
                }

                var learned = new Dictionary<nint, int>();
                var named = new List<nint>();
                bool accounted = Account(start, taken, learned, named, out bool stoppedAtLimit);
                if (accounted && learned.Count != 0)
                {
                    _frameless = _frameless.With(learned);
                }

                nint* returnAddresses = stackalloc nint[max];
                int count = Walk(start, returnAddresses, max, _frameless);
                var sequence = new ReadOnlySpan<nint>(returnAddresses, count);
                accounted = accounted && Covers(sequence, named, stoppedAtLimit, max);
                if (accounted)
                {
                    Volatile.Write(ref _paths, _paths.With(sequence, depth, stack));
                }
                else
                {
                    // The sequence this capture started from: the one the next capture on this path reads, unless
                    // another path has meanwhile taught a frame size that changes it.
                    Volatile.Write(ref _paths, _paths.With(new ReadOnlySpan<nint>(firstReturnAddresses, firstCount), depth, null));
                }
            }

            return stack;
        }

        /// <summary>Whether the walk's return addresses, read again with what <see cref="Account"/> learned, begin with the
        /// ones it named; and, where the walk reached the stack's last managed frame, go on only through native code to
        /// the end of the frame chain (no managed frame may hide below it).</summary>
        private static bool Covers(ReadOnlySpan<nint> sequence, List<nint> named, bool stoppedAtLimit, int max)
        {
            if (sequence.Length < named.Count)
            {
                return false;
            }

            for (int i = 0; i < named.Count; i++)
            {
                if (sequence[i] != named[i])
                {
                    return false;
                }
            }

            if (stoppedAtLimit)
            {
                return true;
            }

            if (sequence.Length == max)
            {
                return false; // the frame chain goes on past what a sequence holds
            }

            for (int i = named.Count; i < sequence.Length; i++)
            {
                if (InModule((nuint)sequence[i]) == 0)
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Finds each frame of <paramref name="stack"/>'s walk below <see cref="Take"/> on the stack, in order,
        /// from <see cref="Take"/>'s frame record: the return addresses it passes go to <paramref name="named"/>, the
        /// sizes of frames without a record to <paramref name="learned"/>. False when a frame is not where the walk says.</summary>
        private static bool Account(in WalkStart start, CapturedStack stack, Dictionary<nint, int> learned, List<nint> named, out bool stoppedAtLimit)
        {
            stoppedAtLimit = false;
            if (!stack.TryGetWalk(out object walk, out IntPtr[] handles, out int frameCount, out stoppedAtLimit))
            {
                return false;
            }

            int[]? offsets = RuntimeStackWalk.NativeOffsets(walk);
            int anchor = Array.IndexOf(handles, AnchorHandle, 0, frameCount);
            nuint end = start.End;
            nint returnAddress = start.ReturnAddress; // into Take, from the native call: the frame the walk names at `anchor`
            if (offsets == null || offsets.Length < frameCount || anchor < 0 || returnAddress == 0)
            {
                return false;
            }

            nuint slot = start.Slot;
            nuint framePointer = start.FramePointer;
            named.Add(returnAddress);
            nuint code = 0; // where the current frame's method's code begins (unknown for Take)
            for (int frame = anchor; frame < frameCount - 1; frame++)
            {
                IntPtr caller = handles[frame + 1];
                int callerOffset = offsets[frame + 1];

                // A method whose code begins with `push rbp` keeps a frame record; one that does not either has no record
                // (its frame size is learned) or is an OSR body, which keeps its Tier0 frame's record. Take's own code
                // is not known: a record is tried first.
                bool recordFirst = frame == anchor || BeginsWithPushRbp(code);
                nuint slotBefore = slot, framePointerBefore = framePointer;
                int namedBefore = named.Count;
                nint next;
                bool found = recordFirst
                    ? StepThroughRecords(ref slot, ref framePointer, end, handles[frame], caller, callerOffset, named, learned, out next, out code)
                    : StepOver(ref slot, framePointer, end, returnAddress, caller, callerOffset, learned, out next, out code);
                if (!found)
                {
                    slot = slotBefore;
                    framePointer = framePointerBefore;
                    named.RemoveRange(namedBefore, named.Count - namedBefore);
                    found = recordFirst
                        ? StepOver(ref slot, framePointer, end, returnAddress, caller, callerOffset, learned, out next, out code)
                        : StepThroughRecords(ref slot, ref framePointer, end, handles[frame], caller, callerOffset, named, learned, out next, out code);
                    if (!found)
                    {
                        return false;
                    }
                }

                returnAddress = next;
                named.Add(returnAddress);
            }

            // Below the last frame there is only native code (checked by Covers) when the walk reached the stack's last
            // managed frame; that frame must have a record, or its caller's return address would be stepped over.
            return stoppedAtLimit || (frameCount - 1 > anchor && BeginsWithPushRbp(code));
        }

        /// <summary>Steps over a frame without a record to the return address into <paramref name="caller"/>, learning the
        /// frame's size (by <paramref name="returnAddress"/>, the return address into the frame).</summary>
        private static bool StepOver(ref nuint slot, nuint framePointer, nuint end, nint returnAddress, IntPtr caller, int callerOffset,
            Dictionary<nint, int> learned, out nint next, out nuint code)
        {
            if (!FindReturnAddress(ref slot, framePointer, end, caller, callerOffset, out next, out code, out int size))
            {
                return false;
            }

            learned[returnAddress] = size;
            return true;
        }

        /// <summary>Follows frame records from the frame of <paramref name="method"/> to the return address into
        /// <paramref name="caller"/>, through what the runtime's walk does not show between them: a few native frames
        /// (which have records), or one frame in either method's code (a funclet of the caller, a finally or catch block
        /// whose caller the walk shows at the call into it; or an OSR body's Tier0 frame), whose size is learned.</summary>
        private static bool StepThroughRecords(ref nuint slot, ref nuint framePointer, nuint end, IntPtr method, IntPtr caller, int callerOffset,
            List<nint> named, Dictionary<nint, int> learned, out nint returnAddress, out nuint code)
        {
            for (int native = 0; ; native++)
            {
                if (framePointer < slot + 8 || framePointer > end - 16 || (framePointer & 7) != 0)
                {
                    break;
                }

                slot = framePointer + 8;
                framePointer = *(nuint*)framePointer;
                returnAddress = *(nint*)slot;
                if (IsCodeOf(returnAddress, caller, callerOffset, out code))
                {
                    return true;
                }

                if (InModule((nuint)returnAddress) == 0)
                {
                    nint hidden = returnAddress;
                    if ((IsSomewhereInCodeOf(hidden, caller) || IsSomewhereInCodeOf(hidden, method))
                        && StepOver(ref slot, framePointer, end, hidden, caller, callerOffset, learned, out returnAddress, out code))
                    {
                        named.Add(hidden);
                        return true;
                    }

                    break;
                }

                if (native == NativeFramesBetween)
                {
                    break;
                }

                named.Add(returnAddress); // a native frame the runtime's walk does not show; it has a record
            }

            returnAddress = 0;
            code = 0;
            return false;
        }

        /// <summary>Whether <paramref name="address"/> lies in code of <paramref name="method"/> that begins at most
        /// <see cref="LargestMethodWithFunclets"/> bytes before it (a code header naming the method is found there).</summary>
        private static bool IsSomewhereInCodeOf(nint address, IntPtr method)
        {
            const int Page = 4096;
            byte* page = stackalloc byte[Page];
            nuint top = (nuint)address;
            for (nuint low = (top - 1) & ~(nuint)(Page - 1); top - low <= LargestMethodWithFunclets + Page; low -= Page)
            {
                if (ReadMemory(low, page, Page) == 0)
                {
                    return false;
                }

                for (nuint start = Math.Min(low + Page, top); start >= low + 8; start--)
                {
                    nuint header = *(nuint*)(page + (start - 8 - low));
                    if ((header & 7) == 0 && header > 0x10000 && header >> 47 == 0 && IsHeaderOf(header, method))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        /// <summary>Searches the frame above <paramref name="slot"/> (a frame without a record) for the return address into
        /// <paramref name="caller"/>; <paramref name="size"/> is that frame's size.</summary>
        private static bool FindReturnAddress(ref nuint slot, nuint framePointer, nuint end, IntPtr caller, int callerOffset,
            out nint returnAddress, out nuint code, out int size)
        {
            nuint limit = Math.Min(Math.Min(framePointer, end - 8), slot + 8 + LargestFramelessFrame);
            for (nuint candidate = slot + 8; candidate <= limit; candidate += 8)
            {
                nint value = *(nint*)candidate;
                if (IsCodeOf(value, caller, callerOffset, out code))
                {
                    size = (int)(candidate - slot - 8);
                    slot = candidate;
                    returnAddress = value;
                    return true;
                }
            }

            returnAddress = 0;
            code = 0;
            size = 0;
            return false;
        }

        /// <summary>Whether <paramref name="returnAddress"/> lies <paramref name="offset"/> bytes into the code of the
        /// method <paramref name="method"/> (a MethodDesc), read from the code header; <paramref name="code"/> is where
        /// that code begins.</summary>
        private static bool IsCodeOf(nint returnAddress, IntPtr method, int offset, out nuint code)
        {
            code = (nuint)returnAddress - (nuint)offset;
            if (offset <= 0 || returnAddress == 0 || method == IntPtr.Zero)
            {
                return false;
            }

            nuint header;
            return ReadMemory(code - 8, &header, 8) != 0 && header != 0 && IsHeaderOf(header, method);
        }

        /// <summary>Whether the code header record at <paramref name="header"/> names <paramref name="method"/>.</summary>
        private static bool IsHeaderOf(nuint header, IntPtr method)
        {
            nint* fields = stackalloc nint[CodeHeaderFieldsSearched];
            if (ReadMemory(header, fields, (nuint)(CodeHeaderFieldsSearched * sizeof(nint))) == 0)
            {
                return false;
            }

            for (int i = 0; i < CodeHeaderFieldsSearched; i++)
            {
                if (fields[i] == method)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Whether the code at <paramref name="code"/> begins with the JIT's frame-record prologue.</summary>
        private static bool BeginsWithPushRbp(nuint code)
        {
            byte first;
            return code != 0 && ReadMemory(code, &first, 1) != 0 && first == PushRbp;
        }
    }
}
