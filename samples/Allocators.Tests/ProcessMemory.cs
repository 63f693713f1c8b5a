using System;
using System.IO;

namespace Allocators.Tests
{
    /// <summary>
    /// An independent witness of what is still mapped, that cannot crash the test host: a unique marker is written
    /// into memory while it is ours, and later read back through /proc/self/mem (Linux), where an unmapped address
    /// is an I/O error instead of a segfault. Memory that another thread has mapped at the same address since then
    /// does not hold the marker, so the answer does not depend on what else the process is doing.
    /// </summary>
    internal static unsafe class ProcessMemory
    {
        public static bool IsSupported => File.Exists("/proc/self/mem");

        public static byte[] WriteMarker(nint address)
        {
            byte[] marker = Guid.NewGuid().ToByteArray();
            marker.AsSpan().CopyTo(new Span<byte>((void*)address, marker.Length));
            return marker;
        }

        /// <summary>Whether <paramref name="address"/> is still mapped and still holds <paramref name="marker"/>.</summary>
        public static bool StillHolds(nint address, byte[] marker)
        {
            var buffer = new byte[marker.Length];
            try
            {
                using var memory = new FileStream("/proc/self/mem", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
                memory.Seek(address, SeekOrigin.Begin);
                int read = 0;
                while (read < buffer.Length)
                {
                    int n = memory.Read(buffer, read, buffer.Length - read);
                    if (n == 0)
                    {
                        return false;
                    }

                    read += n;
                }
            }
            catch (IOException)
            {
                return false; // not mapped
            }

            return buffer.AsSpan().SequenceEqual(marker);
        }
    }
}
