// An AVL tree of mappings ordered by start address, intrusive (the links live in MappingInfo) so that
// insert/remove allocate nothing and every lookup is O(log n) whatever the number of live mappings.
namespace CheckedMmap.Registry
{
    internal sealed class AddressTree
    {
        private MappingInfo? _root;

        public int Count { get; private set; }

        public void Insert(MappingInfo node)
        {
            node.TreeLeft = null;
            node.TreeRight = null;
            node.TreeHeight = 1;
            _root = Insert(_root, node);
            Count++;
        }

        public void Remove(MappingInfo node)
        {
            _root = Remove(_root, node.Start);
            node.TreeLeft = null;
            node.TreeRight = null;
            Count--;
        }

        /// <summary>The node with the greatest start address &lt;= <paramref name="address"/>, or null.</summary>
        public MappingInfo? Floor(ulong address)
        {
            MappingInfo? n = _root;
            MappingInfo? best = null;
            while (n != null)
            {
                if (n.Start == address)
                {
                    return n;
                }

                if (n.Start < address)
                {
                    best = n;
                    n = n.TreeRight;
                }
                else
                {
                    n = n.TreeLeft;
                }
            }

            return best;
        }

        /// <summary>In address order.</summary>
        public void CopyTo(System.Collections.Generic.List<MappingInfo> list) => Walk(_root, list);

        private static void Walk(MappingInfo? n, System.Collections.Generic.List<MappingInfo> list)
        {
            while (n != null)
            {
                Walk(n.TreeLeft, list);
                list.Add(n);
                n = n.TreeRight;
            }
        }

        private static int H(MappingInfo? n) => n == null ? 0 : n.TreeHeight;

        private static void Update(MappingInfo n)
        {
            int l = H(n.TreeLeft);
            int r = H(n.TreeRight);
            n.TreeHeight = (l > r ? l : r) + 1;
        }

        private static MappingInfo RotateRight(MappingInfo y)
        {
            MappingInfo x = y.TreeLeft!;
            y.TreeLeft = x.TreeRight;
            x.TreeRight = y;
            Update(y);
            Update(x);
            return x;
        }

        private static MappingInfo RotateLeft(MappingInfo x)
        {
            MappingInfo y = x.TreeRight!;
            x.TreeRight = y.TreeLeft;
            y.TreeLeft = x;
            Update(x);
            Update(y);
            return y;
        }

        private static MappingInfo Balance(MappingInfo n)
        {
            Update(n);
            int bf = H(n.TreeLeft) - H(n.TreeRight);
            if (bf > 1)
            {
                if (H(n.TreeLeft!.TreeLeft) < H(n.TreeLeft.TreeRight))
                {
                    n.TreeLeft = RotateLeft(n.TreeLeft);
                }

                return RotateRight(n);
            }

            if (bf < -1)
            {
                if (H(n.TreeRight!.TreeRight) < H(n.TreeRight.TreeLeft))
                {
                    n.TreeRight = RotateRight(n.TreeRight);
                }

                return RotateLeft(n);
            }

            return n;
        }

        private static MappingInfo Insert(MappingInfo? n, MappingInfo node)
        {
            if (n == null)
            {
                return node;
            }

            if (node.Start < n.Start)
            {
                n.TreeLeft = Insert(n.TreeLeft, node);
            }
            else
            {
                // Ranges in the tree never overlap, so equal starts do not occur; treat as greater for safety.
                n.TreeRight = Insert(n.TreeRight, node);
            }

            return Balance(n);
        }

        private static MappingInfo? Remove(MappingInfo? n, ulong start)
        {
            if (n == null)
            {
                return null;
            }

            if (start < n.Start)
            {
                n.TreeLeft = Remove(n.TreeLeft, start);
            }
            else if (start > n.Start)
            {
                n.TreeRight = Remove(n.TreeRight, start);
            }
            else
            {
                if (n.TreeLeft == null)
                {
                    return n.TreeRight;
                }

                if (n.TreeRight == null)
                {
                    return n.TreeLeft;
                }

                MappingInfo min = n.TreeRight;
                while (min.TreeLeft != null)
                {
                    min = min.TreeLeft;
                }

                min.TreeRight = RemoveMin(n.TreeRight);
                min.TreeLeft = n.TreeLeft;
                return Balance(min);
            }

            return Balance(n);
        }

        private static MappingInfo? RemoveMin(MappingInfo n)
        {
            if (n.TreeLeft == null)
            {
                return n.TreeRight;
            }

            n.TreeLeft = RemoveMin(n.TreeLeft);
            return Balance(n);
        }
    }
}
