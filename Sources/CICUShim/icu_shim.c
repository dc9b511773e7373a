#include "icu_shim.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/uregex.h>
#include <unicode/uscript.h>
#include <unicode/utext.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/uversion.h>

void tsk_icu_fill_category_table(uint8_t *table, uint32_t count) {
    for (uint32_t cp = 0; cp < count; cp++) {
        uint8_t category = (uint8_t)u_charType((UChar32)cp);
        if (u_isUWhiteSpace((UChar32)cp)) category |= 0x80;
        table[cp] = category;
    }
}

void tsk_icu_fill_script_table(uint8_t *table, uint32_t count) {
    for (uint32_t cp = 0; cp < count; cp++) {
        UErrorCode status = U_ZERO_ERROR;
        int32_t script = (int32_t)uscript_getScript((UChar32)cp, &status);
        table[cp] = (U_FAILURE(status) || script < 0 || script > 254) ? 255 : (uint8_t)script;
    }
}

void tsk_icu_script_name(int32_t code, char *buffer, int32_t capacity) {
    const char *name = uscript_getName((UScriptCode)code);
    snprintf(buffer, (size_t)capacity, "%s", name ? name : "Unknown");
}

void tsk_icu_unicode_version(char *buffer, int32_t capacity) {
    UVersionInfo info;
    u_getUnicodeVersion(info);
    char text[U_MAX_VERSION_STRING_LENGTH];
    u_versionToString(info, text);
    strncpy(buffer, text, (size_t)capacity);
    if (capacity > 0) buffer[capacity - 1] = 0;
}

struct tsk_regex {
    URegularExpression *regex;
    UText *text;
};

tsk_regex *tsk_regex_open(const uint8_t *pattern, int32_t length, char *error, int32_t error_capacity) {
    UErrorCode status = U_ZERO_ERROR;
    UParseError parse;
    UText *patternText = utext_openUTF8(NULL, (const char *)pattern, length, &status);
    if (U_FAILURE(status)) {
        snprintf(error, (size_t)error_capacity, "%s", u_errorName(status));
        return NULL;
    }
    URegularExpression *regex = uregex_openUText(patternText, 0, &parse, &status);
    utext_close(patternText);
    if (U_FAILURE(status)) {
        snprintf(error, (size_t)error_capacity, "%s at offset %d", u_errorName(status), parse.offset);
        return NULL;
    }
    tsk_regex *result = calloc(1, sizeof(tsk_regex));
    result->regex = regex;
    return result;
}

tsk_regex *tsk_regex_clone(const tsk_regex *regex) {
    UErrorCode status = U_ZERO_ERROR;
    URegularExpression *copy = uregex_clone(regex->regex, &status);
    if (U_FAILURE(status)) return NULL;
    tsk_regex *result = calloc(1, sizeof(tsk_regex));
    result->regex = copy;
    return result;
}

void tsk_regex_close(tsk_regex *regex) {
    if (!regex) return;
    uregex_close(regex->regex);
    if (regex->text) utext_close(regex->text);
    free(regex);
}

int32_t tsk_regex_set_text(tsk_regex *regex, const uint8_t *text, int64_t length) {
    UErrorCode status = U_ZERO_ERROR;
    regex->text = utext_openUTF8(regex->text, (const char *)text, length, &status);
    if (U_FAILURE(status)) return -1;
    uregex_setUText(regex->regex, regex->text, &status);
    return U_FAILURE(status) ? -1 : 0;
}

int32_t tsk_regex_next(tsk_regex *regex, int64_t *start, int64_t *end) {
    UErrorCode status = U_ZERO_ERROR;
    UBool found = uregex_findNext(regex->regex, &status);
    if (U_FAILURE(status)) return -1;
    if (!found) return 0;
    *start = uregex_start64(regex->regex, 0, &status);
    *end = uregex_end64(regex->regex, 0, &status);
    return U_FAILURE(status) ? -1 : 1;
}

int64_t tsk_normalize(int32_t form, const uint8_t *text, int64_t length, uint8_t *output, int64_t capacity) {
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *normalizer;
    switch (form) {
        case TSK_NFC: normalizer = unorm2_getNFCInstance(&status); break;
        case TSK_NFKC: normalizer = unorm2_getNFKCInstance(&status); break;
        case TSK_NFD: normalizer = unorm2_getNFDInstance(&status); break;
        case TSK_NFKD: normalizer = unorm2_getNFKDInstance(&status); break;
        default: return -1;
    }
    if (U_FAILURE(status) || length > INT32_MAX / 4) return -1;
    // ICU normalizes UTF-16: convert in, normalize, convert out.
    int32_t utf16Length = 0;
    u_strFromUTF8(NULL, 0, &utf16Length, (const char *)text, (int32_t)length, &status);
    if (status == U_BUFFER_OVERFLOW_ERROR) status = U_ZERO_ERROR;
    if (U_FAILURE(status)) return -1;
    UChar *source = malloc(sizeof(UChar) * (size_t)(utf16Length + 1));
    u_strFromUTF8(source, utf16Length + 1, NULL, (const char *)text, (int32_t)length, &status);
    if (U_FAILURE(status)) { free(source); return -1; }
    int32_t normalizedCapacity = utf16Length * 3 + 16;
    UChar *normalized = malloc(sizeof(UChar) * (size_t)normalizedCapacity);
    int32_t normalizedLength = unorm2_normalize(normalizer, source, utf16Length, normalized, normalizedCapacity, &status);
    if (status == U_BUFFER_OVERFLOW_ERROR) {
        /* Some characters expand a lot (U+FDFA becomes 18): retry with the size ICU needs. */
        status = U_ZERO_ERROR;
        free(normalized);
        normalizedCapacity = normalizedLength + 1;
        normalized = malloc(sizeof(UChar) * (size_t)normalizedCapacity);
        normalizedLength = unorm2_normalize(normalizer, source, utf16Length, normalized, normalizedCapacity, &status);
    }
    free(source);
    if (U_FAILURE(status)) { free(normalized); return -1; }
    int32_t utf8Length = 0;
    u_strToUTF8((char *)output, (int32_t)(capacity > INT32_MAX ? INT32_MAX : capacity), &utf8Length, normalized, normalizedLength, &status);
    free(normalized);
    if (status == U_BUFFER_OVERFLOW_ERROR || status == U_STRING_NOT_TERMINATED_WARNING) return utf8Length;
    if (U_FAILURE(status)) return -1;
    return utf8Length;
}
