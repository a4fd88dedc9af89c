//! A minimal, read-only reader for OLE compound files (the container of
//! .xls, and of password-protected .xlsx): enough to list the streams and
//! read one, so the format sniffer can tell an encrypted workbook from an
//! .xls and the limit checks can inspect the `Workbook` stream before
//! calamine builds anything from it.
//!
//! Every offset and chain is bounds-checked and every chain walk is capped
//! by the number of sectors in the file, so a malformed or hostile container
//! yields an error, never a panic or an endless loop.

/// The eight bytes every compound file starts with.
pub const OLE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

const HEADER_LEN: usize = 512;
const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
const FREE_SECTOR: u32 = 0xFFFF_FFFF;
const DIR_ENTRY_LEN: usize = 128;
const TYPE_STREAM: u8 = 2;
const TYPE_ROOT: u8 = 5;

/// Why the container could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OleError {
    /// The data ends before a structure it declares.
    Truncated,
    /// The header or a chain is inconsistent.
    Malformed(&'static str),
}

/// The file length a compound file's FAT implies: up to the last sector it marks as used.
/// `read(offset, len)` gives the file's bytes there, or `None` past its end; only the header
/// and the FAT sectors the header lists (at most 109) are read, so a caller holding a file, not
/// its bytes, reads a few kilobytes. `None` when the header or a listed FAT sector is not
/// there (the file is cut short before it) or the header is not one we read.
pub fn length_claimed_by_fat(
    mut read: impl FnMut(usize, usize) -> Option<Vec<u8>>,
) -> Option<usize> {
    let header = read(0, HEADER_LEN)?;
    let sector_size = match u16_at(&header, 0x1E).ok()? {
        9 => 512,
        12 => 4096,
        _ => return None,
    };
    let fat_sectors = (u32_at(&header, 0x2C).ok()? as usize).min(109);
    let mut last_used = None;
    for i in 0..fat_sectors {
        let sector = u32_at(&header, 0x4C + i * 4).ok()?;
        let table = read(OleFile::sector_offset(sector, sector_size), sector_size)?;
        for (j, entry) in table.chunks_exact(4).enumerate() {
            if u32::from_le_bytes([entry[0], entry[1], entry[2], entry[3]]) != FREE_SECTOR {
                last_used = Some(i * (sector_size / 4) + j);
            }
        }
    }
    Some((last_used? + 2) * sector_size)
}

#[derive(Debug, Clone)]
struct DirEntry {
    name: String,
    entry_type: u8,
    start_sector: u32,
    size: u64,
}

/// A parsed compound file borrowing the file bytes.
pub struct OleFile<'a> {
    data: &'a [u8],
    sector_size: usize,
    mini_sector_size: usize,
    mini_cutoff: u64,
    fat: Vec<u32>,
    mini_fat: Vec<u32>,
    entries: Vec<DirEntry>,
}

fn u16_at(data: &[u8], at: usize) -> Result<u16, OleError> {
    data.get(at..at + 2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .ok_or(OleError::Truncated)
}

fn u32_at(data: &[u8], at: usize) -> Result<u32, OleError> {
    data.get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or(OleError::Truncated)
}

/// What a reference past the end means when the file holds everything its FAT says it uses.
const POINTS_PAST_THE_END: &str = "it refers to a part beyond the end of the file, although \
     the file holds every sector it says it uses";

impl<'a> OleFile<'a> {
    /// Parses the header, the allocation tables and the directory.
    pub fn parse(data: &'a [u8]) -> Result<Self, OleError> {
        Self::parse_whole(data).map_err(|e| Self::truncated_or_damaged(data, e))
    }

    /// [`OleError::Truncated`] stays so when the file is shorter than the sectors its FAT
    /// marks as used (a copy cut short); when it holds them all, a reference past its end is
    /// damage, and becomes [`OleError::Malformed`] saying so.
    fn truncated_or_damaged(data: &[u8], error: OleError) -> OleError {
        match error {
            OleError::Truncated => match Self::length_the_fat_claims(data) {
                Some(claimed) if data.len() >= claimed => OleError::Malformed(POINTS_PAST_THE_END),
                _ => OleError::Truncated,
            },
            other => other,
        }
    }

    /// The file length the FAT implies: up to the last sector it marks as used. `None` when
    /// the header or a FAT sector it lists is not in the data (the file is cut short there).
    fn length_the_fat_claims(data: &[u8]) -> Option<usize> {
        length_claimed_by_fat(|offset, len| {
            data.get(offset..offset.checked_add(len)?)
                .map(<[u8]>::to_vec)
        })
    }

    fn parse_whole(data: &'a [u8]) -> Result<Self, OleError> {
        if data.len() < HEADER_LEN {
            return Err(OleError::Truncated);
        }
        if data[..8] != OLE_MAGIC {
            return Err(OleError::Malformed("not a compound file"));
        }
        let sector_shift = u16_at(data, 0x1E)?;
        let mini_shift = u16_at(data, 0x20)?;
        if !(sector_shift == 9 || sector_shift == 12) || mini_shift != 6 {
            return Err(OleError::Malformed("unusual sector size"));
        }
        let sector_size = 1usize << sector_shift;
        let num_fat_sectors = u32_at(data, 0x2C)? as usize;
        let first_dir_sector = u32_at(data, 0x30)?;
        let mini_cutoff = u32_at(data, 0x38)? as u64;
        let first_mini_fat = u32_at(data, 0x3C)?;
        let first_difat = u32_at(data, 0x44)?;
        let num_difat = u32_at(data, 0x48)? as usize;

        // Sectors that can exist given the file length bound every count
        // and chain below.
        let sector_capacity = data.len() / sector_size;
        if num_fat_sectors > sector_capacity {
            return Err(OleError::Truncated);
        }

        let mut fat_sector_ids = Vec::with_capacity(num_fat_sectors);
        for i in 0..109.min(num_fat_sectors) {
            fat_sector_ids.push(u32_at(data, 0x4C + i * 4)?);
        }
        let mut difat_sector = first_difat;
        let per_difat = sector_size / 4 - 1;
        let mut hops = 0;
        while fat_sector_ids.len() < num_fat_sectors && difat_sector < END_OF_CHAIN {
            hops += 1;
            if hops > num_difat.max(1) || hops > sector_capacity {
                return Err(OleError::Malformed("DIFAT chain too long"));
            }
            let base = Self::sector_offset(difat_sector, sector_size);
            for i in 0..per_difat {
                if fat_sector_ids.len() == num_fat_sectors {
                    break;
                }
                fat_sector_ids.push(u32_at(data, base + i * 4)?);
            }
            difat_sector = u32_at(data, base + per_difat * 4)?;
        }
        if fat_sector_ids.len() < num_fat_sectors {
            return Err(OleError::Truncated);
        }

        let mut fat = Vec::with_capacity(num_fat_sectors * sector_size / 4);
        for &sector in &fat_sector_ids {
            let base = Self::sector_offset(sector, sector_size);
            let bytes = data
                .get(base..base + sector_size)
                .ok_or(OleError::Truncated)?;
            fat.extend(
                bytes
                    .chunks_exact(4)
                    .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            );
        }

        let mut file = OleFile {
            data,
            sector_size,
            mini_sector_size: 1 << mini_shift,
            mini_cutoff,
            fat,
            mini_fat: Vec::new(),
            entries: Vec::new(),
        };

        let dir_bytes = file.read_chain(first_dir_sector, None)?;
        file.entries = dir_bytes
            .chunks_exact(DIR_ENTRY_LEN)
            .filter_map(parse_dir_entry)
            .collect();
        if first_mini_fat < END_OF_CHAIN {
            let bytes = file.read_chain(first_mini_fat, None)?;
            file.mini_fat = bytes
                .chunks_exact(4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
        }
        Ok(file)
    }

    fn sector_offset(sector: u32, sector_size: usize) -> usize {
        (sector as usize + 1) * sector_size
    }

    /// Follows a FAT chain and concatenates its sectors, stopping at
    /// `limit` bytes when given.
    fn read_chain(&self, start: u32, limit: Option<u64>) -> Result<Vec<u8>, OleError> {
        let mut out = Vec::new();
        let mut sector = start;
        let mut hops = 0usize;
        while sector != END_OF_CHAIN && sector != FREE_SECTOR {
            if limit.is_some_and(|l| out.len() as u64 >= l) {
                break;
            }
            hops += 1;
            if hops > self.fat.len() {
                return Err(OleError::Malformed("sector chain loops"));
            }
            let base = Self::sector_offset(sector, self.sector_size);
            let bytes = self
                .data
                .get(base..base + self.sector_size)
                .ok_or(OleError::Truncated)?;
            out.extend_from_slice(bytes);
            sector = *self
                .fat
                .get(sector as usize)
                .ok_or(OleError::Malformed("sector outside the allocation table"))?;
        }
        if let Some(l) = limit {
            if (out.len() as u64) < l {
                return Err(OleError::Truncated);
            }
            out.truncate(l as usize);
        }
        Ok(out)
    }

    /// The names of all stream entries.
    pub fn stream_names(&self) -> impl Iterator<Item = &str> {
        self.entries
            .iter()
            .filter(|e| e.entry_type == TYPE_STREAM)
            .map(|e| e.name.as_str())
    }

    /// Whether a stream with this name exists (names compare
    /// case-insensitively, as the format specifies).
    pub fn has_stream(&self, name: &str) -> bool {
        self.stream_names().any(|n| n.eq_ignore_ascii_case(name))
    }

    /// Reads a whole stream, `Ok(None)` when it does not exist.
    pub fn read_stream(&self, name: &str) -> Result<Option<Vec<u8>>, OleError> {
        self.read_stream_whole(name)
            .map_err(|e| Self::truncated_or_damaged(self.data, e))
    }

    fn read_stream_whole(&self, name: &str) -> Result<Option<Vec<u8>>, OleError> {
        let Some(entry) = self
            .entries
            .iter()
            .find(|e| e.entry_type == TYPE_STREAM && e.name.eq_ignore_ascii_case(name))
        else {
            return Ok(None);
        };
        if entry.size > self.data.len() as u64 {
            return Err(OleError::Truncated);
        }
        if entry.size < self.mini_cutoff {
            self.read_mini_stream(entry).map(Some)
        } else {
            self.read_chain(entry.start_sector, Some(entry.size))
                .map(Some)
        }
    }

    /// Small streams live in 64-byte mini sectors inside the root entry's
    /// own stream.
    // Walks its chain like `read_chain`, but through the mini FAT inside the root stream, with
    // its own sector size, loop bound and end: one walker over both would need five switches
    // in code that reads hostile files, so the two stay apart.
    fn read_mini_stream(&self, entry: &DirEntry) -> Result<Vec<u8>, OleError> {
        let root = self
            .entries
            .iter()
            .find(|e| e.entry_type == TYPE_ROOT)
            .ok_or(OleError::Malformed("no root entry"))?;
        if root.size > self.data.len() as u64 {
            return Err(OleError::Truncated);
        }
        let container = self.read_chain(root.start_sector, Some(root.size))?;
        let mut out = Vec::with_capacity(entry.size as usize);
        let mut sector = entry.start_sector;
        let mut hops = 0usize;
        while (out.len() as u64) < entry.size {
            hops += 1;
            if hops > self.mini_fat.len() + 1 {
                return Err(OleError::Malformed("mini sector chain loops"));
            }
            let base = sector as usize * self.mini_sector_size;
            let bytes = container
                .get(base..base + self.mini_sector_size)
                .ok_or(OleError::Truncated)?;
            out.extend_from_slice(bytes);
            sector = *self
                .mini_fat
                .get(sector as usize)
                .ok_or(OleError::Malformed("mini sector outside its table"))?;
            if sector == END_OF_CHAIN {
                break;
            }
        }
        if (out.len() as u64) < entry.size {
            return Err(OleError::Truncated);
        }
        out.truncate(entry.size as usize);
        Ok(out)
    }
}

fn parse_dir_entry(raw: &[u8]) -> Option<DirEntry> {
    let name_len = u16::from_le_bytes([raw[0x40], raw[0x41]]) as usize;
    let entry_type = raw[0x42];
    if entry_type == 0 || !(2..=64).contains(&name_len) {
        return None;
    }
    // The length counts the terminating NUL character.
    let units: Vec<u16> = raw[..name_len - 2]
        .chunks_exact(2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .collect();
    let name = String::from_utf16_lossy(&units);
    let start_sector = u32::from_le_bytes([raw[0x74], raw[0x75], raw[0x76], raw[0x77]]);
    let size = u64::from_le_bytes([
        raw[0x78], raw[0x79], raw[0x7A], raw[0x7B], raw[0x7C], raw[0x7D], raw[0x7E], raw[0x7F],
    ]);
    Some(DirEntry {
        name,
        entry_type,
        start_sector,
        size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_or_foreign_data_is_rejected_without_panicking() {
        assert_eq!(OleFile::parse(&OLE_MAGIC).err(), Some(OleError::Truncated));
        let mut header = vec![0u8; 512];
        header[..8].copy_from_slice(&OLE_MAGIC);
        assert!(OleFile::parse(&header).is_err());
        assert!(OleFile::parse(&[0u8; 600]).is_err());
    }

    #[test]
    fn a_self_referencing_chain_is_reported_not_followed_forever() {
        let mut data = vec![0u8; 512 * 3];
        data[..8].copy_from_slice(&OLE_MAGIC);
        data[0x1E] = 9;
        data[0x20] = 6;
        data[0x2C] = 1; // one FAT sector
        data[0x30..0x34].copy_from_slice(&1u32.to_le_bytes()); // directory at sector 1
        data[0x3C..0x40].copy_from_slice(&END_OF_CHAIN.to_le_bytes());
        data[0x44..0x48].copy_from_slice(&END_OF_CHAIN.to_le_bytes());
        data[0x4C..0x50].copy_from_slice(&0u32.to_le_bytes()); // FAT is sector 0
        let fat = 512;
        // sector 1 points to itself
        data[fat + 4..fat + 8].copy_from_slice(&1u32.to_le_bytes());
        assert_eq!(
            OleFile::parse(&data).err(),
            Some(OleError::Malformed("sector chain loops"))
        );
    }
}
