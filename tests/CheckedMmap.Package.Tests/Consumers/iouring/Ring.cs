using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace IoUring
{
    // Each misuse is marked by a comment right before the argument the analyzer must report.
    public static unsafe class Ring
    {
        public static void* MapSubmissionEntries(int ringFd, size_t length)
        {
            if (ringFd < 0)
            {
                return null;
            }

            return mmap(null, length, PROT_READ | PROT_WRITE, /*MMAP002*/MAP_SHARED, /*MMAP003*/ringFd, /*MMAP006*/(long)IORING_OFF_SQES);
        }

        public static void* MapCompletionRing(size_t length) =>
            mmap(null, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, /*MMAP006*/(long)IORING_OFF_CQ_RING);

        public static void* MapScratch(size_t length) =>
            mmap(null, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    }
}
