//! Flink's `keyBy` routing, bit for bit: `KeyGroupRangeAssignment`.
//!
//! `assignKeyToParallelOperator(key, maxParallelism, parallelism)`:
//! `keyGroup = MathUtils.murmurHash(key.hashCode()) % maxParallelism`, then
//! `operatorIndex = keyGroup * parallelism / maxParallelism`. Keys here are
//! strings, so `hashCode` is Java's `String.hashCode` over UTF-16 code units.
//! Key groups (not keys) are the unit of state redistribution, which is why
//! the maximum parallelism is fixed for a job's lifetime.

/// Java `String.hashCode()`: `s[0]*31^(n-1) + … + s[n-1]` over UTF-16 code
/// units, with 32-bit wrap-around.
pub fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(c as i32))
}

/// Flink `MathUtils.murmurHash(int)`: one murmur3 round plus finalizer,
/// made non-negative (`Integer.MIN_VALUE` maps to 0).
pub fn murmur_hash(code: i32) -> i32 {
    let mut c = code.wrapping_mul(0xcc9e_2d51_u32 as i32);
    c = c.rotate_left(15);
    c = c.wrapping_mul(0x1b87_3593);
    c = c.rotate_left(13);
    c = c.wrapping_mul(5).wrapping_add(0xe654_6b64_u32 as i32);
    c ^= 4;
    c = bit_mix(c);
    if c >= 0 {
        c
    } else if c != i32::MIN {
        -c
    } else {
        0
    }
}

/// Flink `MathUtils.bitMix` (murmur3's `fmix32`), with Java's `>>>`.
fn bit_mix(mut c: i32) -> i32 {
    c ^= ((c as u32) >> 16) as i32;
    c = c.wrapping_mul(0x85eb_ca6b_u32 as i32);
    c ^= ((c as u32) >> 13) as i32;
    c = c.wrapping_mul(0xc2b2_ae35_u32 as i32);
    c ^= ((c as u32) >> 16) as i32;
    c
}

/// `KeyGroupRangeAssignment.assignToKeyGroup(key, maxParallelism)`.
pub fn key_group(key: &str, max_parallelism: u32) -> u32 {
    (murmur_hash(java_string_hash(key)) as u32) % max_parallelism.max(1)
}

/// `computeOperatorIndexForKeyGroup(maxParallelism, parallelism, keyGroupId)`.
pub fn operator_index(key_group: u32, max_parallelism: u32, parallelism: u32) -> u32 {
    ((u64::from(key_group) * u64::from(parallelism)) / u64::from(max_parallelism.max(1))) as u32
}

/// `assignKeyToParallelOperator(key, maxParallelism, parallelism)`.
pub fn assign_key(key: &str, max_parallelism: u32, parallelism: u32) -> u32 {
    operator_index(key_group(key, max_parallelism), max_parallelism, parallelism)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values produced by the JVM: `"flink".hashCode()` etc. (checked with
    /// a local `java` run of `String.hashCode` and a copy of
    /// `MathUtils.murmurHash`), and matching two independently published
    /// runs of `KeyGroupRangeAssignment.assignToKeyGroup(key, 128)`:
    /// flink→98, spark→7, hive→9, hello→35, world→66, A→104, B→17.
    #[test]
    fn matches_flink_key_group_assignment() {
        assert_eq!(java_string_hash("flink"), 97_520_992);
        assert_eq!(java_string_hash("hello"), 99_162_322);
        assert_eq!(java_string_hash("A"), 65);
        assert_eq!(java_string_hash("é"), 233);
        assert_eq!(java_string_hash(""), 0);
        for (k, kg) in [("flink", 98), ("spark", 7), ("hive", 9), ("hello", 35), ("world", 66), ("A", 104), ("B", 17), ("TeamX", 20), ("", 94)] {
            assert_eq!(key_group(k, 128), kg, "key group of {k:?}");
        }
        assert_eq!(assign_key("A", 128, 2), 1);
        assert_eq!(assign_key("B", 128, 2), 0);
        assert_eq!(assign_key("flink", 128, 4), 3);
        assert_eq!(assign_key("world", 128, 4), 2);
        assert_eq!(assign_key("world", 128, 3), 1);
    }

    #[test]
    fn long_strings_wrap_like_java() {
        // "polygenelubricants".hashCode() == Integer.MIN_VALUE (a well-known Java curiosity)
        assert_eq!(java_string_hash("polygenelubricants"), i32::MIN);
        assert!(murmur_hash(i32::MIN) >= 0);
    }
}
