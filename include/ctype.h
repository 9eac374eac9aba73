/* ctype.h for C compiled to JIT payloads: functions of the "C" locale
 * (jit/libc/string.c); EOF and bytes past 0x7f are in no class. */
#ifndef JITBOOT_CTYPE_H
#define JITBOOT_CTYPE_H

int isalnum(int c);
int isalpha(int c);
int isblank(int c);
int iscntrl(int c);
int isdigit(int c);
int isgraph(int c);
int islower(int c);
int isprint(int c);
int ispunct(int c);
int isspace(int c);
int isupper(int c);
int isxdigit(int c);
int tolower(int c);
int toupper(int c);

#endif
