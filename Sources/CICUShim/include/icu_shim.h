#ifndef TOKSLEUTH_ICU_SHIM_H
#define TOKSLEUTH_ICU_SHIM_H
// A narrow C interface over ICU. Only <stdint.h> types cross it, so no Swift module ever
// sees ICU's own headers (which clash with Foundation's bundled ICU).
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Fills `table[cp]` for every code point below `count` with ICU's general category
/// (`u_charType`, 0..29) in the low 5 bits and 0x80 when the code point has the Unicode
/// White_Space property.
void tsk_icu_fill_category_table(uint8_t *table, uint32_t count);

/// Fills `table[cp]` with ICU's Script property (`UScriptCode`: 0 Common, 1 Inherited,
/// 17 Han, 20 Hiragana, 22 Katakana, ...), 255 for a code ICU cannot give.
void tsk_icu_fill_script_table(uint8_t *table, uint32_t count);

/// The long name of a script code ("Latin", "Han"), "Unknown" for a code ICU does not know.
void tsk_icu_script_name(int32_t code, char *buffer, int32_t capacity);

/// The Unicode version of the linked ICU data, e.g. "15.0".
void tsk_icu_unicode_version(char *buffer, int32_t capacity);

/// An opaque compiled regular expression.
typedef struct tsk_regex tsk_regex;

/// Compiles a UTF-8 pattern. On failure returns NULL and writes a message into `error`.
tsk_regex *tsk_regex_open(const uint8_t *pattern, int32_t length, char *error, int32_t error_capacity);
/// A copy that can be used on another thread.
tsk_regex *tsk_regex_clone(const tsk_regex *regex);
void tsk_regex_close(tsk_regex *regex);
/// Sets the UTF-8 text to search (not copied: it must outlive the search). Returns 0 on success.
int32_t tsk_regex_set_text(tsk_regex *regex, const uint8_t *text, int64_t length);
/// Finds the next match; returns 1 and its UTF-8 byte range, 0 when there is none, -1 on error.
int32_t tsk_regex_next(tsk_regex *regex, int64_t *start, int64_t *end);

/// Unicode normalization forms.
enum { TSK_NFC = 0, TSK_NFKC = 1, TSK_NFD = 2, TSK_NFKD = 3 };
/// Normalizes UTF-8 `text` into `output`. Returns the output length in bytes, a value larger
/// than `capacity` when the buffer is too small (nothing useful written), or -1 on error.
int64_t tsk_normalize(int32_t form, const uint8_t *text, int64_t length, uint8_t *output, int64_t capacity);

#ifdef __cplusplus
}
#endif
#endif
