; NSIS installer for spr-console: an alternative to the .msi for people who
; prefer a setup .exe with a wizard. Built by `packaging/build-windows.sh --nsis`:
;   makensis -NOCD -DVERSION=0.1.0 -DMSI_VERSION=0.1.0 -DEXE_DIR=<dir> \
;            -DREPO_DIR=<repo root> -DOUT_FILE=<setup.exe> spr-console.nsi
; Installs per machine into "Program Files\spr-console", with a Start Menu
; shortcut and an entry in Settings > Apps that runs the uninstaller.

Unicode true
SetCompressor /SOLID lzma

!include "MUI2.nsh"
!include "x64.nsh"

!ifndef VERSION
  !error "define VERSION (e.g. -DVERSION=0.1.0)"
!endif
!ifndef MSI_VERSION
  !define MSI_VERSION "${VERSION}"
!endif

!define APP_NAME "SPR Console"
!define APP_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\spr-console"

Name "${APP_NAME} ${VERSION}"
OutFile "${OUT_FILE}"
InstallDir "$PROGRAMFILES64\spr-console"
RequestExecutionLevel admin
ShowInstDetails show

VIProductVersion "${MSI_VERSION}.0"
VIAddVersionKey "ProductName" "${APP_NAME}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "${APP_NAME} installer"
VIAddVersionKey "CompanyName" "The spr-console developers"
VIAddVersionKey "LegalCopyright" "the spr-console developers, MIT OR Apache-2.0"

!define MUI_ICON "${REPO_DIR}/assets/icon/icon.ico"
!define MUI_UNICON "${REPO_DIR}/assets/icon/icon.ico"
!define MUI_FINISHPAGE_RUN "$INSTDIR\spr-console.exe"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_LICENSE "${REPO_DIR}/LICENSE-MIT"
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "${APP_NAME} needs 64-bit Windows."
    Abort
  ${EndIf}
  SetRegView 64
FunctionEnd

Function un.onInit
  SetRegView 64
FunctionEnd

Section "Install"
  SetShellVarContext all
  SetOutPath "$INSTDIR"
  File "${EXE_DIR}/spr-console.exe"
  File "/oname=LICENSE-MIT.txt" "${REPO_DIR}/LICENSE-MIT"
  File "/oname=LICENSE-APACHE.txt" "${REPO_DIR}/LICENSE-APACHE"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortcut "$SMPROGRAMS\${APP_NAME}.lnk" "$INSTDIR\spr-console.exe" "" "$INSTDIR\spr-console.exe" 0

  WriteRegStr HKLM "${APP_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr HKLM "${APP_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${APP_KEY}" "Publisher" "The spr-console developers"
  WriteRegStr HKLM "${APP_KEY}" "DisplayIcon" "$INSTDIR\spr-console.exe"
  WriteRegStr HKLM "${APP_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${APP_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegDWORD HKLM "${APP_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${APP_KEY}" "NoRepair" 1
SectionEnd

Section "Uninstall"
  SetShellVarContext all
  Delete "$SMPROGRAMS\${APP_NAME}.lnk"
  Delete "$INSTDIR\spr-console.exe"
  Delete "$INSTDIR\LICENSE-MIT.txt"
  Delete "$INSTDIR\LICENSE-APACHE.txt"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${APP_KEY}"
  ; The database (%APPDATA%\spr-console\spr-console\data\) is the user's data
  ; and is left in place.
SectionEnd
