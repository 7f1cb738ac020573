package dev.sovereign.did.fabric.ledger;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * How a ledger file stores the contract's state, recorded in the file as SQLite's {@code
 * user_version}. The contract reads and writes logical keys (Fabric's composite keys, {@code
 * \0did\0 <did>\0}, {@code \0didver\0<did>\0<sequence>\0}, {@code \0didvid\0<did>\0<versionId>\0});
 * a format maps each to the key of its {@code state} row. The values (version records, heads), the
 * transaction log and everything a reader is answered or an endorser signs are the same in every
 * format.
 *
 * <ul>
 *   <li>{@link #V1} (user_version 0: every ledger written before 2026-12-08): 4 KiB pages, a row
 *       under the logical key itself, so a DID's head, versions and versionId index lie in three
 *       distant parts of the b-tree, and a version record (about 1.2 KB) does not fit a 4 KiB
 *       page's cell and spills into an overflow page of its own.
 *   <li>{@link #V2} (user_version 2, every new ledger): 8 KiB pages, a composite key's row under
 *       {@code 0x01 <first attribute> 0x00 <type> 0x00 <other attributes, each ending 0x00>}, so a
 *       DID's rows lie together (usually in one leaf) and a version record fits its leaf; any other
 *       key under {@code 0x00 <key>}. Its state table's key column is named {@code skey}, so a
 *       build that knows only V1 fails to open the file instead of reading it as empty.
 * </ul>
 *
 * <p>Both map a composite-key prefix to a contiguous range of row keys in the same order, so range
 * reads ({@code getByPartialCompositeKey}) give the same values in the same order.
 */
enum StorageFormat {
  V1(1, 4096, "key", "key"),
  V2(2, 8192, "skey", "skey");

  /** The format every new ledger file is created in. */
  static final StorageFormat CURRENT = V2;

  final int version;
  final int pageSize;
  final String get;
  final String put;
  final String range;
  final String policy;
  final String scan;
  final String createState;
  final String createPolicy;

  StorageFormat(int version, int pageSize, String stateKey, String policyKey) {
    this.version = version;
    this.pageSize = pageSize;
    this.get = "SELECT value FROM state WHERE " + stateKey + " = ?";
    this.put = "INSERT OR REPLACE INTO state (" + stateKey + ", value) VALUES (?, ?)";
    this.range =
        "SELECT value FROM state WHERE "
            + stateKey
            + " >= ? AND "
            + stateKey
            + " < ? ORDER BY "
            + stateKey;
    this.scan =
        "SELECT "
            + stateKey
            + ", value FROM state WHERE "
            + stateKey
            + " >= ? ORDER BY "
            + stateKey;
    this.policy =
        "INSERT OR REPLACE INTO endorsement_policy (" + policyKey + ", orgs) VALUES (?, ?)";
    this.createState =
        "CREATE TABLE IF NOT EXISTS state ("
            + stateKey
            + " BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID";
    this.createPolicy =
        "CREATE TABLE IF NOT EXISTS endorsement_policy ("
            + policyKey
            + " BLOB PRIMARY KEY, orgs TEXT NOT NULL)";
  }

  /**
   * The format a file's {@code user_version} names ({@code hasTables}: the file holds a schema; a
   * file without one and user_version 0 is new, see {@link EmbeddedLedger#open}).
   *
   * @throws UnsupportedLedgerFormatException for a version this build does not know
   */
  static StorageFormat of(int userVersion) throws UnsupportedLedgerFormatException {
    return switch (userVersion) {
      case 0, 1 -> V1; // V1 files were never stamped: user_version 0
      case 2 -> V2;
      default -> throw new UnsupportedLedgerFormatException(userVersion, CURRENT.version);
    };
  }

  /** The row key of logical state key {@code key}. */
  byte[] rowKey(String key) {
    byte[] logical = key.getBytes(StandardCharsets.UTF_8);
    if (this == V1) {
      return logical;
    }
    // \0 type \0 first \0 rest  ->  0x01 first \0 type \0 rest
    int typeEnd = indexOfZero(logical, 1);
    int firstEnd = typeEnd < 0 ? -1 : indexOfZero(logical, typeEnd + 1);
    if (logical.length == 0 || logical[0] != 0 || firstEnd < 0) {
      byte[] out = new byte[logical.length + 1];
      System.arraycopy(logical, 0, out, 1, logical.length);
      return out; // 0x00 key: not a composite key with an attribute
    }
    byte[] out = new byte[logical.length];
    out[0] = 1;
    int at = 1;
    int firstLength = firstEnd - typeEnd - 1;
    System.arraycopy(logical, typeEnd + 1, out, at, firstLength);
    at += firstLength;
    out[at++] = 0;
    int typeLength = typeEnd - 1;
    System.arraycopy(logical, 1, out, at, typeLength);
    at += typeLength;
    out[at++] = 0;
    System.arraycopy(logical, firstEnd + 1, out, at, logical.length - firstEnd - 1);
    return out;
  }

  /**
   * The row keys [low, high) holding exactly the logical keys that start with the composite-key
   * prefix {@code prefix} (which ends with U+0000), or null if they are not one range in this
   * format (a V2 prefix of a type alone: see {@link #typeOf}).
   */
  byte[][] range(String prefix) {
    byte[] bytes = prefix.getBytes(StandardCharsets.UTF_8);
    if (this == V2 && indexOfZero(bytes, 1) == bytes.length - 1) {
      return null;
    }
    byte[] low = rowKey(prefix);
    // every key with this prefix continues the prefix's trailing 0x00 with more bytes
    byte[] high = Arrays.copyOf(low, low.length);
    high[high.length - 1] = 1;
    return new byte[][] {low, high};
  }

  /**
   * The composite-key type of a V2 row key of a composite key ({@code 0x01 first 0x00 type 0x00
   * ...}), or null for any other row key.
   */
  static String typeOf(byte[] rowKey) {
    if (rowKey.length == 0 || rowKey[0] != 1) {
      return null;
    }
    int firstEnd = indexOfZero(rowKey, 1);
    int typeEnd = firstEnd < 0 ? -1 : indexOfZero(rowKey, firstEnd + 1);
    if (typeEnd < 0) {
      return null;
    }
    return new String(rowKey, firstEnd + 1, typeEnd - firstEnd - 1, StandardCharsets.UTF_8);
  }

  private static int indexOfZero(byte[] bytes, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == 0) {
        return i;
      }
    }
    return -1;
  }

  /** For tests: the logical key of a V2 row key (the inverse of {@link #rowKey}). */
  static String logicalKey(byte[] rowKey) {
    if (rowKey[0] == 0) {
      return new String(rowKey, 1, rowKey.length - 1, StandardCharsets.UTF_8);
    }
    int firstEnd = indexOfZero(rowKey, 1);
    int typeEnd = indexOfZero(rowKey, firstEnd + 1);
    ByteArrayOutputStream out = new ByteArrayOutputStream(rowKey.length);
    out.write(0);
    out.write(rowKey, firstEnd + 1, typeEnd - firstEnd - 1);
    out.write(0);
    out.write(rowKey, 1, firstEnd - 1);
    out.write(0);
    out.write(rowKey, typeEnd + 1, rowKey.length - typeEnd - 1);
    return out.toString(StandardCharsets.UTF_8);
  }
}
